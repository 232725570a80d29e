"""A MARAC referral in the browser (issue 17), in English and Welsh, with JavaScript off at 360 px: an officer refers
a case on professional judgement with consent refused and a reason; the case shows the referral; she builds the
referral pack from the case, edits it, saves it, and exports it as a printable page and as an ODT document. The
person's code word, check question and cover name are on neither. Fields are found by their visible labels, in
the page's language."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reporter_steps import LOCALES, page_language
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, self_report_answers

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
CODE_WORD, COVER = "Glas y dorlan", "Modryb Bethan"


def words(live_server: Any, lang: str, text: str, **values: Any) -> str:
    return live_server.gettext(lang, text, **values) if values else live_server.gettext(lang, text)


@pytest.mark.parametrize("lang", LANGS)
def test_an_officer_refers_without_consent_and_builds_edits_and_exports_the_pack(new_context, live_server, lang):
    w = lambda text, **values: words(live_server, lang, text, **values)  # noqa: E731
    name = f"Siân Ŵyn {lang}"
    answers = self_report_answers("He threatened me again.", your_name=name, address="Tŷ Ŷd, 3 Heol y Bryn",
                                  say_who="no", cover_name=COVER, check_question=CODE_WORD, voicemail="no",
                                  children="live")
    case = make_report(live_server, answers=answers, language=lang)
    officer = make_staff(live_server, "officer", lang, name=f"Olwen {lang}", enrolled=True)
    page = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    assert page_language(page) == lang
    page.goto(f"/staff/cases/{case}")

    # Refer: on professional judgement, consent refused, with the reason to go ahead.
    page.locator(".case-actions").get_by_role("link", name=w("Refer to MARAC"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{case}/marac")
    reason = "Risg uchel: bygythiad i ladd." if lang == "cy" else "High risk: a threat to kill on Sunday."
    page.get_by_label(w("Professional judgement"), exact=True).check()
    page.get_by_label(w("Why refer on professional judgement?")).fill("Her fear is rising.")
    page.get_by_label(w("They did not agree to the referral")).check()
    page.get_by_role("button", name=w("Record the referral")).click()  # no reason yet: the form comes back
    page.wait_for_load_state()
    assert w("Say why you are referring without their consent") in page.inner_text(".error-summary")
    assert page.get_by_label(w("Why refer on professional judgement?")).input_value() == "Her fear is rising."
    page.get_by_label(w("Why refer without their consent?")).fill(reason)
    page.get_by_label(w("No, they do not know")).check()
    today = datetime.now(ZoneInfo("Europe/London")).date()
    page.get_by_label(w("Date the referral was sent (optional)")).fill(today.isoformat())
    page.get_by_role("button", name=w("Record the referral")).click()
    page.wait_for_url(f"**/staff/cases/{case}")
    assert w("MARAC referral recorded. Build the referral pack from the case, check it, and send it.") in \
        flash_text(page)
    section = page.inner_text("section.marac")
    for shown in (reason, w("They did not agree to the referral"), w("No, they do not know"),
                  w("Professional judgement")):
        assert shown in section, shown

    # The pack: built from the case, reviewed, edited and saved.
    page.locator("section.marac").get_by_role("link", name=w("MARAC referral pack")).click()
    page.wait_for_url(f"**/staff/cases/{case}/marac/pack?referral=*")
    assert page.get_by_label(w("Name of the person at risk")).input_value() == name
    consent = page.get_by_label(w("Consent, and whether the person knows about the referral")).input_value()
    assert reason in consent
    assert CODE_WORD not in page.content() and COVER not in page.content()
    afraid = "Ei chyn-bartner, Gwŷn." if lang == "cy" else "Her ex-partner, Gwŷn."
    page.get_by_label(w("Who are they afraid of?")).fill(afraid)
    children = page.get_by_label(w("Children: whether they live in or visit the home, and their ages"))
    children.fill(children.input_value() + " 4, 7")
    page.get_by_role("button", name=w("Save the pack")).click()
    page.wait_for_url(f"**/staff/cases/{case}/marac/pack?referral=*")
    assert w("Referral pack saved. Export it to send it to the MARAC.") in flash_text(page)
    assert page.get_by_label(w("Who are they afraid of?")).input_value() == afraid

    # Export: the document, then the printable page.
    with page.expect_download() as download:
        page.get_by_role("button", name=w("Download as a document (ODT)")).click()
    body = open(download.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(body)) as odt:
        text = unescape(odt.read("content.xml").decode("utf-8"))
    assert afraid in text and name in text and "Tŷ Ŷd" in text
    assert CODE_WORD not in text and COVER not in text
    page.get_by_role("button", name=w("Printable page")).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == w("MARAC referral, case %(reference)s", reference=case)
    printed = page.inner_text("main")
    assert afraid in printed and name in printed and reason in printed
    assert CODE_WORD not in page.content() and COVER not in page.content()
    assert page.evaluate("getComputedStyle(document.querySelector('.staff-header')).display") != "none"
    page.emulate_media(media="print")  # on paper: no navigation
    assert page.evaluate("getComputedStyle(document.querySelector('.staff-header')).display") == "none"
