"""Risk in the browser (issue 17), in English and Welsh, every field found by its visible label: an officer
records an IDVA service's DASH (17 of 24) with JavaScript off, and the case and the queue show it as high risk;
an officer starts our DASH checklist, saves it to finish later, sees on the case which questions are unanswered,
and finishes it. The words come from the live app's own catalogue."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language, path_of
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, queue_row

pytestmark = pytest.mark.browser

WIDTH = 360


def officer_page(new_context: Any, live_server: Any, lang: str, js: bool) -> tuple[Any, Any]:
    officer = make_staff(live_server, "officer", lang, enrolled=True)
    page = new_context(js=js, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    assert page_language(page) == lang
    return page, officer


def choose(page: Any, question: str, option: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def answer_word(live_server: Any, lang: str, context: str, text: str) -> str:
    from flask_babel import force_locale, pgettext
    with live_server.app.test_request_context("/"), force_locale(lang):
        return str(pgettext(context, text))


def queue_order(page: Any) -> list[str]:
    hrefs = page.locator("table.queue tbody tr a[href^='/staff/cases/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(h.rsplit("/", 1)[1] for h in hrefs))


def follow(page: Any, words: Any, link: str) -> None:
    page.get_by_role("navigation", name=words("Work on this case")).get_by_role("link", name=words(link),
                                                                               exact=True).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_agency_dash_is_recorded_by_labels_and_lifts_the_case_with_javascript_off(new_context, live_server, lang):
    def words(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    page, officer = officer_page(new_context, live_server, lang, js=False)
    # Both the officer's own, so that "Mine" shows them on its first page whatever other tests left in the queue.
    earlier = make_report(live_server, answers={"story": "Earlier.", "contact_methods": ["text"],
                                                "phone_text": "07700 900982"}, days_ago=1, owner=officer)
    reference = make_report(live_server, answers={"story": "He follows me home.", "contact_methods": ["text"],
                                                  "phone_text": "07700 900982"}, owner=officer)
    page.goto("/staff/?owner=mine")
    assert words("High risk") not in queue_row(page, reference).inner_text()
    assert queue_order(page).index(earlier) < queue_order(page).index(reference)  # due first, same band
    page.goto(f"/staff/cases/{reference}")
    assert words("Not assessed yet") in page.inner_text(".risk-now")
    follow(page, words, "Record another agency's risk assessment")
    assert_no_sideways_scrolling(page, WIDTH)
    choose(page, words("Which agency assessed the risk?"), words("IDVA service"))
    assessed = date.today() - timedelta(days=1)
    page.get_by_label(words("Date they assessed the risk"), exact=True).fill(assessed.isoformat())
    choose(page, words("Which tool did they use?"), words("SafeLives DASH risk checklist"))
    page.get_by_label(words("How many 'yes' answers on the DASH checklist?"), exact=True).fill("30")
    choose(page, words("Is a MARAC referral planned or made?"),
           answer_word(live_server, lang, "answer: is a MARAC referral planned", "Yes"))
    page.get_by_label(words("Anything else they told us about the risk (optional)"), exact=True).fill(
        "Assessed at the refuge.")
    page.get_by_role("button", name=words("Record the assessment"), exact=True).click()
    page.wait_for_load_state()
    # 30 is not a DASH count: the form comes back with everything typed.
    assert words("Enter the number of 'yes' answers, from 0 to 24") in page.inner_text(".error-summary")
    assert page.get_by_label(words("Anything else they told us about the risk (optional)"),
                             exact=True).input_value() == "Assessed at the refuge."
    page.get_by_label(words("How many 'yes' answers on the DASH checklist?"), exact=True).fill("17")
    page.get_by_role("button", name=words("Record the assessment"), exact=True).click()
    page.wait_for_load_state()
    assert path_of(page) == f"/staff/cases/{reference}"
    assert words("Risk assessment recorded.") in flash_text(page)
    header = page.inner_text(".risk-now")
    assert words("High risk") in header and words("DASH: %(score)d of 24", score=17) in header
    assert words("IDVA service") in header
    assert "Assessed at the refuge." in page.inner_text(".risk-section")
    page.goto("/staff/?owner=mine")
    assert words("High risk") in queue_row(page, reference).inner_text()
    assert queue_order(page).index(reference) < queue_order(page).index(earlier)  # lifted to the top band


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_dash_checklist_saved_to_finish_later_is_finished_by_labels(new_context, live_server, lang):
    from portal.casework.dash import load_checklist

    def words(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    questions = load_checklist(live_server.app.config["DASH_FILE"])
    answer = {code: questions.answers[code][lang] for code in ("yes", "no", "not_known")}
    legends = [f"{n}. {q.text[lang]}" for n, q in enumerate(questions.questions, start=1)]
    page, _officer = officer_page(new_context, live_server, lang, js=True)
    reference = make_report(live_server, answers={"story": "He took my keys.", "contact_methods": ["text"],
                                                  "phone_text": "07700 900982"})
    page.goto(f"/staff/cases/{reference}")
    follow(page, words, "Risk checklist (DASH)")
    choose(page, legends[0], answer["yes"])
    choose(page, legends[1], answer["no"])
    choose(page, legends[2], answer["not_known"])
    page.get_by_label(words("Comment on question %(number)d (optional)", number=1), exact=True).fill("Bruising")
    page.get_by_role("button", name=words("Save and finish later"), exact=True).click()
    page.wait_for_load_state()
    assert path_of(page) == f"/staff/cases/{reference}"
    numbers = ", ".join(str(n) for n in range(4, len(legends) + 1))
    from flask_babel import force_locale, ngettext
    with live_server.app.test_request_context("/"), force_locale(lang):
        part_done = ngettext("A DASH checklist is part-done: question %(numbers)s is unanswered.",
                             "A DASH checklist is part-done: questions %(numbers)s are unanswered.",
                             len(legends) - 3, numbers=numbers)
    assert part_done in page.inner_text(".risk-section")
    assert words("Not assessed yet") in page.inner_text(".risk-now")

    follow(page, words, "Continue the part-done risk checklist (DASH)")
    assert words("You are continuing a checklist saved to finish later. Its answers so far are filled in.") in \
        page.inner_text("main")
    group = page.get_by_role("group", name=legends[0], exact=True)
    assert group.get_by_label(answer["yes"], exact=True).is_checked()
    assert page.get_by_label(words("Comment on question %(number)d (optional)", number=1),
                             exact=True).input_value() == "Bruising"
    choose(page, legends[3], answer["yes"])
    page.get_by_role("button", name=words("Save the checklist"), exact=True).click()  # still 20 unanswered
    page.wait_for_load_state()
    assert words("Answer question %(number)d: yes, no or not known, or save the checklist to finish later",
                 number=5) in page.inner_text(".error-summary")
    for legend in legends[4:]:
        choose(page, legend, answer["no"])
    page.get_by_role("button", name=words("Save the checklist"), exact=True).click()
    page.wait_for_load_state()
    assert path_of(page) == f"/staff/cases/{reference}"
    header = page.inner_text(".risk-now")
    assert words("Standard risk") in header and words("DASH: %(score)d of 24", score=2) in header
    assert words("our checklist") in header
    assert words("DASH checklist, part-done") not in page.inner_text(".risk-section")
