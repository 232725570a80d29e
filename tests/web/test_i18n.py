"""Welsh at parity: catalogue integrity, plurals, locale selection, Welsh dates."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from tests.conftest import open_all

PO = Path(__file__).resolve().parents[2] / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def welsh_catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="cy")


def test_welsh_has_six_plural_forms():
    assert welsh_catalogue().num_plurals == 6


def test_every_welsh_entry_keeps_its_placeholders():
    for message in welsh_catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def test_shift_countdown_is_a_real_welsh_plural(app):
    with app.test_request_context("/cy/"):
        with force_locale("cy"):
            two = ngettext("Press Shift %(num)d more time to leave this page.",
                           "Press Shift %(num)d more times to leave this page.", 2)
            one = ngettext("Press Shift %(num)d more time to leave this page.",
                           "Press Shift %(num)d more times to leave this page.", 1)
    assert "2" in two and "1" in one and "Press" not in two + one


def test_welsh_pages_are_welsh(client):
    html = client.get("/cy/tell-us/you").get_data(as_text=True)
    assert 'lang="cy"' in html[:100]
    with client.application.test_request_context("/cy/"), force_locale("cy"):
        assert gettext("Tell us what is happening") in html
        assert gettext("Tell us what is happening") != "Tell us what is happening"


def test_unknown_browser_language_falls_back_to_english(client):
    html = client.get("/", headers={"Accept-Language": "fr-FR, de;q=0.8"}).get_data(as_text=True)
    assert 'lang="en"' in html[:100]


def test_no_state_from_cookie_or_query_changes_the_language(client):
    client.set_cookie("lang", "cy")
    html = client.get("/en/?lang=cy").get_data(as_text=True)
    assert 'lang="en"' in html[:100]


def test_welsh_confirmation_gives_the_day_in_welsh(app, client, reporter):
    reporter.send({"contact_methods": ["call"], "phone_call": "01632 960001"}, lang="cy")
    html = client.get("/cy/sent").get_data(as_text=True)
    english_days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    assert not any(day in html for day in english_days)
    assert open_all(app)[0]["row"].contact_language == "cy"  # defaults to the page's language


def test_percent_signs_survive_translation_in_both_languages(client):
    assert "400%" in client.get("/en/accessibility").get_data(as_text=True)
    assert "400%" in client.get("/cy/accessibility").get_data(as_text=True)


def test_welsh_error_pages_say_error_in_welsh(reporter):
    html = reporter.send({"contact_methods": ["call"]}, lang="cy").get_data(as_text=True)
    assert "<title>Gwall:" in html and "Error:" not in html


def test_welsh_yes_no_answers_follow_each_questions_verb(client):
    html = client.get("/cy/tell-us/you").get_data(as_text=True)
    for answer in ("Oes", "Nac oes", "Ydw", "Nac ydw", "Cewch", "Na chewch", "Ydy", "Nac ydy"):
        assert f">{answer}</label>" in html, answer
    assert ">Yes</label>" in client.get("/en/tell-us/you").get_data(as_text=True)


def test_the_children_question_is_answered_nac_oes_not_na(client):
    """"Do any children live in or visit the home?" has "Oes, mae plant yn byw yno" and "Oes, mae plant yn
    ymweld": its No is "Nac oes", with its own context, not the bare "Na" of other questions."""
    html = client.get("/cy/tell-us/someone").get_data(as_text=True)
    group = html[html.index('id="children-0"'):html.index('id="children-3"')]
    assert 'for="children-2">Nac oes</label>' in group and ">Na</label>" not in group


def test_no_soft_mutation_is_missed_after_neu_in_the_welsh_catalogue():
    """"neu" (or) softens what follows: "neu ofynnwch", never "neu gofynnwch" (a few common verbs)."""
    catalogue = welsh_catalogue()
    radical = re.compile(r"\bneu (gofyn|gadew|gadael|dysg|teip|dewis|pwys|cadw|ticio|bydd|cysyllt|darllen|dileu)",
                         re.IGNORECASE)
    found = [m.string for m in catalogue if m.id and isinstance(m.string, str) and radical.search(m.string)]
    assert found == []


def test_welsh_pages_mark_english_words_as_english(client):
    """WCAG 3.1.2: the "English" answer and the Men's Advice Line's own name carry lang="en" on Welsh pages."""
    html = client.get("/cy/tell-us/you").get_data(as_text=True)
    assert '<label class="choice-label" for="contact_language-0" lang="en">English</label>' in html
    assert '(<span lang="en">Men&#39;s Advice Line</span>)' in html
    assert "camdriniaeth" not in html
    english = client.get("/en/tell-us/you").get_data(as_text=True)
    assert '<label class="choice-label" for="contact_language-1" lang="cy">Cymraeg</label>' in english
    assert "Men&#39;s Advice Line:" in english and '<span lang="en">' not in english


def test_no_welsh_heading_needs_a_mutation_of_the_organisations_name(client):
    """Welsh cannot mutate a configured name ("i Tai Enghreifftiol" should be "i Dai..."): no Welsh string puts
    %(org)s after a word that would mutate it."""
    catalogue = welsh_catalogue()
    mutating = re.compile(r"\b(i|o|am|ar|at|gan|heb|dan|dros|drwy|trwy|wrth|hyd|â|a|ei|dy|fy|yn|ein|eu|ac)\s+%\(org\)s")
    assert [m.string for m in catalogue if m.id and isinstance(m.string, str) and mutating.search(m.string)] == []
    assert "Tai Enghreifftiol: rhowch wybod am gam-drin domestig" in client.get(
        "/", headers={"Accept-Language": "cy"}).get_data(as_text=True)


def test_the_staff_side_welsh_uses_the_right_senses_and_one_term_each():
    """A Welsh-speaking officer's corrections: a repeat report is "adroddiad mynych", custom dates are "o'ch
    dewis", flags are "fflagiau", counts are "niferoedd", an IDVA is a "cynghorydd annibynnol ar drais domestig",
    breathing space is "cyfnod anadlu"; and "of fewer than 5" mutates ("o lai na 5")."""
    wrong = {"sy'n ailadrodd": r"\brepeat report", "personol": r"\bcustom\b", "baner": r"\bflags?\b",
             "cyfrifon": r"\bcounts?\b", "annibynnol trais": r"\bIDVA\b|violence adviser"}
    for message in welsh_catalogue():
        if not message.id or not isinstance(message.id, str):
            continue
        lowered = message.string.lower()
        for welsh, english in wrong.items():
            if re.search(english, message.id, re.IGNORECASE):
                assert welsh not in lowered, (message.id, message.string)
        if "breathing space" in message.id.lower():
            assert re.search(r"\b(c|g|ch|ngh)yfnod(au)? anadlu", lowered), (message.id, message.string)
        assert "o llai na" not in lowered, message.id
    catalogue = welsh_catalogue()
    assert catalogue["%(part)s of fewer than %(number)d (%(percent)s)"].string.startswith("%(part)s o lai na ")
    assert "Fflagiau" == catalogue["Flags"].string and "o'ch dewis" in catalogue["Custom dates"].string
