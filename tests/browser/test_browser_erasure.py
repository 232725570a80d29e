"""Retention and rights in the browser (issue 19), in English and Welsh, JavaScript off, at 360 px, every field
found by its visible label: an officer records a request to erase a case with a safeguarding exception, and
another without; a team lead finds both on the Retention page, keeps the first (the exception stands: erasing is
not offered) and erases the second, which then is gone; the subject access page shows what a case holds."""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, self_report_answers

pytestmark = pytest.mark.browser

WIDTH = 360


def choose(page: Any, question: str, option: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_request_to_erase_is_kept_for_an_exception_and_erased_without_one(new_context, live_server, lang):
    def words(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    def yes_no(answer: str) -> str:
        from flask_babel import force_locale, pgettext
        with live_server.app.test_request_context("/"), force_locale(lang):
            return str(pgettext("answer: does a safeguarding exception apply", answer))

    officer = make_staff(live_server, "officer", lang, enrolled=True)
    lead = make_staff(live_server, "lead", lang, enrolled=True)
    kept = make_report(live_server, owner=officer, answers=self_report_answers("Keep this one: the children."))
    gone = make_report(live_server, owner=officer, answers=self_report_answers("Erase this one, Ffion asked."))

    page = new_context(js=False, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    question = words("Does a safeguarding exception apply?")
    for reference, exception in ((kept, True), (gone, False)):
        page.goto(f"/staff/cases/{reference}")
        with page.expect_navigation():
            page.get_by_role("link", name=words("Record a request to erase this case"), exact=True).click()
        assert page_language(page) == lang
        assert_no_sideways_scrolling(page, WIDTH)
        choose(page, words("Who asked for the case to be erased?"), words("The person at risk"))
        page.get_by_label(words("When did the request reach us?"), exact=True).fill("2026-11-30")
        choose(page, question, yes_no("Yes" if exception else "No"))
        if exception:  # first without saying what it is: refused, and nothing typed is lost
            submit(page, words("Record the request"))
            assert words("Say what the safeguarding exception is") in page.locator(".error-summary").inner_text()
            assert page.get_by_label(words("When did the request reach us?"), exact=True).input_value() == (
                "2026-11-30")
            page.get_by_label(words("What is the exception?"), exact=True).fill("A child protection plan.")
        submit(page, words("Record the request"))
        assert words("Request to erase recorded. A team lead decides on it.") in flash_text(page)

    lead_page = new_context(js=False, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(lead_page, lead)
    with lead_page.expect_navigation():
        lead_page.get_by_role("link", name=words("Retention"), exact=True).click()
    assert_no_sideways_scrolling(lead_page, WIDTH)
    waiting = lead_page.locator("#waiting-caption").locator("xpath=ancestor::table").inner_text()
    assert kept in waiting and gone in waiting

    with lead_page.expect_navigation():  # the one with an exception: only keeping is offered
        lead_page.get_by_role("link", name=words("Decide on case %(reference)s", reference=kept), exact=True).click()
    decision = words("What do you decide?")
    group = lead_page.get_by_role("group", name=decision, exact=True)
    assert group.get_by_label(words("Erase the case now"), exact=True).count() == 0
    group.get_by_label(words("Keep the case, and tell them why"), exact=True).check()
    lead_page.get_by_label(words("Why the case is kept"), exact=True).fill("The plan needs the record.")
    submit(lead_page, words("Record the decision"))
    assert words("Decision recorded: the case is kept.") in flash_text(lead_page)
    assert "The plan needs the record." in lead_page.locator("#erasure").locator("xpath=..").inner_text()

    lead_page.goto("/staff/retention")
    with lead_page.expect_navigation():
        lead_page.get_by_role("link", name=words("Decide on case %(reference)s", reference=gone), exact=True).click()
    choose(lead_page, decision, words("Erase the case now"))
    submit(lead_page, words("Record the decision"))
    assert words("Case %(reference)s erased. Only its counts and its audit trail remain.", reference=gone) in (
        flash_text(lead_page))
    assert lead_page.goto(f"/staff/cases/{gone}").status == 404
    assert lead_page.goto(f"/staff/cases/{kept}").status == 200

    with lead_page.expect_navigation():
        lead_page.get_by_role("link", name=words("Subject access: everything the case holds"), exact=True).click()
    assert "Keep this one: the children." in lead_page.content()
    assert_no_sideways_scrolling(lead_page, WIDTH)
