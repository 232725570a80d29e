"""Complaints and the survivor's feedback in a real browser, with JavaScript off on a 360 px phone, in English and
Welsh: a reporter with a receipt complains about how we handled their report from the conversation; once the case is
closed they are offered, and answer, the few optional questions; nothing of it stays in the address, the cookies or
the browser's storage, and the quick exit is on every page; the team sees both on the case, and the complaint on its
own page. Also the few things the axe lists set up behind the scenes (a complaint on a case, a closed case whose
survivor answered)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from reporter_steps import (
    LOCALES,
    assert_no_sideways_scrolling,
    path_of,
    reporter_goes_back,
    reporter_presses_exit_button,
    stored_text,
    waits_for_neutral_page,
)
from staff_steps import StaffAccount, lead_signs_in, make_report, make_staff
from test_browser_conversation import cookies_here, reporter_gets_a_receipt, reporter_sends_a_report

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
PHONE = {"width": 360, "height": 740}


# ---- behind the scenes ---------------------------------------------------------------------------------

def close_case(live_server: Any, reference: str, by: StaffAccount) -> None:
    """Close the case as a lead would (support in place), through the closing service."""
    from sqlalchemy import select

    from portal.casework.cases import close
    from portal.store.models import Report, StaffUser

    with live_server.app.test_request_context("/staff/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        close(dbs, report, dbs.get(StaffUser, by.id), "support_in_place")


def complaint_on(live_server: Any, reference: str, by: StaffAccount, **given: Any) -> str:
    """A complaint recorded on the case by `by` (by phone, about delay); returns its id."""
    from sqlalchemy import select

    from portal.casework.complaints import record_complaint
    from portal.store.models import Report, StaffUser

    values = {"channel": "phone", "about": ["delay", "contact"], "text": "axe: nobody rang me back for a week.",
              "received_on": date.today(), "language": by.language, **given}
    with live_server.app.test_request_context("/staff/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        return record_complaint(dbs, report, dbs.get(StaffUser, by.id), **values).id


def closed_with_feedback(live_server: Any, by: StaffAccount) -> str:
    """A closed case whose survivor answered the questions through their receipt."""
    from sqlalchemy import select

    from portal.intake import conversations as conv
    from portal.intake.feedback import give_feedback
    from portal.store.models import Report

    reference = make_report(live_server, days_ago=20, owner=by)
    close_case(live_server, reference, by)
    with live_server.app.test_request_context("/en/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        _digits, conversation, _seed = conv.start(dbs, report, conv.pepper(live_server.app.config))
        give_feedback(dbs, conversation, safer="partly", contact_way="yes", comment="axe: the locks helped.",
                      language="en")
    return reference


# ---- the journey ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_a_reporter_complains_and_later_gives_feedback_through_the_receipt_and_the_team_sees_both(
        new_context, live_server, lang):
    marker = f"Bandicoot{lang.upper()}"
    reporter = new_context(js=False, locale=LOCALES[lang], **PHONE)
    page = reporter.new_page()
    reference = reporter_sends_a_report(page, lang, f"{marker}: a report for the complaint journey.")
    reporter_gets_a_receipt(page, lang)
    assert_no_sideways_scrolling(page, 360)
    assert page.locator("main a[href$='/replies/feedback']").count() == 0  # open: no questions yet

    # A complaint, from the conversation page, in the reporter's language.
    page.click(f"main a[href='/{lang}/replies/complaint']")
    page.wait_for_url(f"**/{lang}/replies/complaint")
    assert page.locator(".exit-bar a.exit-button").count() == 1
    assert_no_sideways_scrolling(page, 360)
    page.click("button[name='action'][value='send']")  # nothing written: an error, and the choice kept
    page.wait_for_load_state()
    assert page.locator(".error-summary li").count() == 1
    page.check("input[name='about'][value='delay']")
    page.fill("#text", f"{marker} complains: nobody rang me back for two weeks.")
    page.click("button[name='action'][value='send']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    assert live_server.gettext(lang, "Complaint sent") in page.inner_text("main")
    assert f"{marker} complains" in page.inner_text(".complaint-sent")
    assert_no_sideways_scrolling(page, 360)

    # The team sees it on the case, dated, and opens it; it says the survivor will be asked once it is closed.
    lead = make_staff(live_server, "lead", lang, enrolled=True)
    staff = new_context(js=False, **PHONE).new_page()
    lead_signs_in(staff, lead)
    staff.goto(f"/staff/cases/{reference}")
    section = staff.inner_text("section.complaints")
    assert f"{marker} complains" in section
    assert live_server.gettext(lang, "On the website, with their receipt") in section
    assert staff.locator("section.survivor-feedback").count() == 1
    staff.click("section.complaints a[href*='/complaints/']")
    assert f"{marker} complains: nobody rang me back for two weeks." in staff.inner_text("main")
    assert_no_sideways_scrolling(staff, 360)

    # Closed: the next time they look, the questions are offered, on their phone, with JavaScript off.
    close_case(live_server, reference, lead)
    page.goto(f"/{lang}/replies/messages")
    offer = page.locator(".feedback-offer")
    assert offer.count() == 1 and live_server.gettext(lang, "How did we do?") in offer.inner_text()
    page.click(f"main a[href='/{lang}/replies/feedback']")
    page.wait_for_url(f"**/{lang}/replies/feedback")
    assert page.locator(".exit-bar a.exit-button").count() == 1
    assert_no_sideways_scrolling(page, 360)
    assert live_server.gettext(lang, "Do you feel safer?") in page.inner_text("main")
    page.check("input[name='safer'][value='partly']")
    page.check("input[name='contact_way'][value='yes']")
    page.fill("#comment", f"{marker} says: the new locks helped.")
    page.click("button[name='action'][value='send']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    assert live_server.gettext(lang, "Thank you for your answers") in page.inner_text("main")
    assert page.locator(".feedback-offer").count() == 0  # asked once
    assert path_of(page) == f"/{lang}/replies/messages"
    traces = json.dumps(stored_text(page))
    assert marker not in traces and "feedback" not in page.url and "?" not in page.url
    assert [c["name"] for c in cookies_here(reporter)] == ["s"]
    assert json.loads(stored_text(page)["localStorage"]) == [] and json.loads(stored_text(page)["sessionStorage"]) == []

    # The team sees the answers on the case, the survivor's own words with them.
    staff.goto(f"/staff/cases/{reference}")
    feedback = staff.inner_text("section.survivor-feedback")
    assert f"{marker} says: the new locks helped." in feedback
    assert staff.locator("section.survivor-feedback dl.feedback-answers > div").count() == 2
    assert_no_sideways_scrolling(staff, 360)

    # The quick exit leaves nothing, and Back brings nothing back.
    reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    assert cookies_here(reporter) == []
    reporter_goes_back(page)
    assert marker not in page.content()


def test_the_questions_are_not_offered_where_contact_is_not_safe_even_once_closed(new_context, live_server):
    """A person who asked not to be contacted at all is not asked for feedback, even through their receipt."""
    page = new_context(js=False).new_page()
    page.goto("/en/tell-us/you")
    page.fill("#story", "A report from someone who must not be contacted.")
    page.check("input[name='contact_methods'][value='none']")
    page.click("button[name='action'][value='send']")
    page.wait_for_load_state()
    reference = page.inner_text(".panel .reference").strip()
    reporter_gets_a_receipt(page, "en")
    lead = make_staff(live_server, "lead", "en", enrolled=True)
    close_case(live_server, reference, lead)
    page.goto("/en/replies/messages")
    assert page.locator(".feedback-offer").count() == 0
    page.goto("/en/replies/feedback")
    assert path_of(page) == "/en/replies/messages"  # not offered: the conversation instead
    assert page.locator("a[href='/en/replies/complaint']").count() == 1  # complaining is always open to them


def test_an_overdue_complaint_shows_on_the_queue_and_among_those_waiting(new_context, live_server):
    """The queue's line and the complaints waiting, for a complaint recorded by phone 30 days ago (its deadline, 10
    working days on, has passed), with JavaScript off."""
    lead = make_staff(live_server, "lead", "en", enrolled=True)
    reference = make_report(live_server, days_ago=40, owner=lead)
    complaint_on(live_server, reference, lead, received_on=date.today() - timedelta(days=30))
    staff = new_context(js=False).new_page()
    lead_signs_in(staff, lead)
    staff.goto("/staff/")
    assert staff.locator("p.complaints-waiting a[href='/staff/complaints']").count() == 1
    staff.goto("/staff/complaints")
    row = staff.locator(f"table.complaints-waiting tbody tr:has(a[href*='/staff/cases/{reference}/complaints/'])")
    assert row.count() == 1 and row.locator(".overdue-label").count() == 1
