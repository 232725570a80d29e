"""Safe contact in the browser, as an officer works a small day of cases (issue 14), in English and Welsh,
with JavaScript off: an attempt outside a safe window refused without a reason and accepted with one; a
voicemail refused; a profile changed by staff and by the reporter, seen on the next contact page; a neighbour's
report whose clock runs on after contacting the neighbour and stops on reaching the person; a reply that counts
only once read; a no-contact report leaving the overdue list when triaged; a deadline pushed to the first safe
window and said so on the confirmation page. Selectors are ids, names and values; words come from the live
app's own catalogue, so the same steps read the Welsh pages."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reporter_steps import LOCALES, page_language, path_of
from staff_steps import lead_signs_in, make_report, make_staff, queue_row

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def today(live_server: Any) -> str:
    return DAYS[datetime.now(ZoneInfo(live_server.app.config["TIMEZONE"])).weekday()]


def words(live_server: Any, lang: str, text: str, **values: Any) -> str:
    return live_server.gettext(lang, text, **values) if values else live_server.gettext(lang, text)


def officer_page(new_context: Any, live_server: Any, lang: str) -> Any:
    officer = make_staff(live_server, "officer", lang, enrolled=True)
    page = new_context(js=False, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    assert page_language(page) == lang
    return page


def officer_records_contact(page: Any, reference: str, how: str, outcome: str, reason: str = "") -> None:
    page.goto(f"/staff/cases/{reference}/contact")
    page.check(f"input[name='how'][value='{how}']")
    page.check(f"input[name='outcome'][value='{outcome}']")
    if reason:
        page.fill("#reason", reason)
    page.check("#profile_checked")
    page.click("main form button[type='submit']")
    page.wait_for_load_state()


def error_messages(page: Any) -> str:
    return " ".join(page.locator(".error-message").all_inner_texts())


def overdue_now(page: Any, reference: str) -> bool:
    page.goto("/staff/?overdue=1")
    return queue_row(page, reference).count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_outside_a_safe_window_needs_a_reason_and_a_refused_voicemail_is_refused(new_context, live_server, lang):
    page = officer_page(new_context, live_server, lang)
    not_today = [d for d in DAYS if d != today(live_server)]
    reference = make_report(live_server, answers={"story": "Only safe on other days.", "contact_methods": ["call"],
                                                  "phone_call": "07700 900982", "safe_days": not_today,
                                                  "voicemail": "no"})
    page.goto(f"/staff/cases/{reference}/contact")
    assert words(live_server, lang, "Now is not a safe time to contact them.") in page.inner_text(".contact-now")
    assert words(live_server, lang, "Do not leave a voicemail.") in page.inner_text(".contact-script")
    officer_records_contact(page, reference, "person:call", "no_answer")
    assert path_of(page).endswith("/contact")
    assert words(live_server, lang, "Now is not a safe time to contact them. Say why you are contacting them now, "
                 "or wait for a safe time") in error_messages(page)
    officer_records_contact(page, reference, "person:call", "voicemail", reason="She rang and asked us to call now")
    assert words(live_server, lang, "They did not agree to a voicemail. Do not leave one") in error_messages(page)
    officer_records_contact(page, reference, "person:call", "spoke", reason="She rang and asked us to call now")
    assert path_of(page) == f"/staff/cases/{reference}"
    record = page.inner_text("main")
    assert "She rang and asked us to call now" in record
    assert words(live_server, lang, "Outside their safe times.") in record


@pytest.mark.parametrize("lang", LANGS)
def test_a_neighbours_report_runs_on_until_the_person_is_reached(new_context, live_server, lang):
    page = officer_page(new_context, live_server, lang)
    reference = make_report(live_server, kind="concerned", days_ago=2, answers={
        "story": "I hear shouting next door.", "contact_methods": ["email"], "email": "neighbour@example.org",
        "their_safe_contact": "She is alone on weekday mornings"})
    officer_records_contact(page, reference, "reporter:email", "message_sent")
    assert path_of(page) == f"/staff/cases/{reference}"
    assert overdue_now(page, reference), "e-mailing the neighbour is not reaching the person at risk"
    # What the neighbour said lets the officer record how to reach her; her profile, not the neighbour's.
    page.goto(f"/staff/cases/{reference}/profile/person")
    page.check("input[name='contact_methods'][value='text']")
    page.fill("#phone_text", "07700 900777")
    page.click("main form button[type='submit']")
    page.wait_for_url(f"**/staff/cases/{reference}")
    page.goto(f"/staff/cases/{reference}/contact")
    assert page.locator("input[name='how'][value='person:text']").count() == 1
    officer_records_contact(page, reference, "person:text", "spoke")
    assert not overdue_now(page, reference)
    page.goto(f"/staff/cases/{reference}")
    assert words(live_server, lang, "Person at risk reached %(when)s", when="").strip() in page.inner_text(
        ".case-header")


@pytest.mark.parametrize("lang", LANGS)
def test_a_no_contact_report_leaves_the_overdue_list_once_triaged(new_context, live_server, lang):
    page = officer_page(new_context, live_server, lang)
    reference = make_report(live_server, days_ago=3,
                            answers={"story": "Just so you know.", "contact_methods": ["none"]})
    assert overdue_now(page, reference)
    page.goto(f"/staff/cases/{reference}")
    assert page.locator(f"a[href='/staff/cases/{reference}/contact']").count() == 0
    page.click(f"a[href='/staff/cases/{reference}/triage']")
    page.check("input[name='decision'][value='monitor']")
    page.fill("#note", "Housing record checked; nothing to do without contact")
    page.click("main form button[type='submit']")
    page.wait_for_url(f"**/staff/cases/{reference}")
    assert "Housing record checked; nothing to do without contact" in page.inner_text("main")
    assert not overdue_now(page, reference)


@pytest.mark.parametrize("lang", LANGS)
def test_profile_changes_by_staff_and_by_the_reporter_reach_the_next_contact_page(new_context, live_server, lang):
    from test_browser_conversation import reporter_gets_a_receipt, reporter_sends_a_report

    reporter = new_context(js=False, locale=LOCALES[lang]).new_page()
    reference = reporter_sends_a_report(reporter, lang, "A report whose safe ways change.")
    reporter_gets_a_receipt(reporter, lang)
    page = officer_page(new_context, live_server, lang)

    # Staff: she rang to say texts are safe now, not calls.
    page.goto(f"/staff/cases/{reference}/profile/person")
    page.uncheck("input[name='contact_methods'][value='call']")
    page.check("input[name='contact_methods'][value='text']")
    page.fill("#phone_text", "07700 900555")
    page.click("main form button[type='submit']")
    page.wait_for_url(f"**/staff/cases/{reference}")
    page.goto(f"/staff/cases/{reference}/contact")
    assert [e.get_attribute("value") for e in page.locator("input[name='how']").all()] == ["person:text"]

    # The reporter, with her receipt: e-mail only now.
    reporter.goto(f"/{lang}/replies/contact")
    assert reporter.input_value("#phone_text") == "07700 900555"  # the staff change, sealed to her receipt too
    reporter.uncheck("input[name='contact_methods'][value='text']")
    reporter.check("input[name='contact_methods'][value='email']")
    reporter.fill("#email", "safe@example.org")
    reporter.click("button[name='action'][value='save']")
    reporter.wait_for_url(f"**/{lang}/replies/messages")
    page.goto("/staff/?flag=profile")
    assert queue_row(page, reference).count() == 1
    page.goto(f"/staff/cases/{reference}/contact")
    assert [e.get_attribute("value") for e in page.locator("input[name='how']").all()] == ["person:email"]
    assert words(live_server, lang, "The reporter changed how to contact them.") in page.inner_text("main")


@pytest.mark.parametrize("lang", LANGS)
def test_a_deadline_is_pushed_to_the_first_safe_window_and_the_confirmation_says_so(new_context, live_server, lang):
    from reporter_steps import reporter_sends

    from portal.workdays.working_time import next_working_day
    # The second working day from today: always after the working-day target (today, or the next working day
    # after the cut-off), whatever day the test runs. A fixed weekday fails on the day before it.
    today = datetime.now(ZoneInfo(live_server.app.config["TIMEZONE"])).date()
    safe = next_working_day(next_working_day(today, "wales"), "wales")
    page = new_context(js=False, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    page.fill("#story", "Not today: he is home.")
    page.check("input[name='contact_methods'][value='text']")
    page.fill("#phone_text", "07700 900982")
    page.check("input[name='safe_today'][value='no']")
    day = f"{safe:%a}".lower()
    page.check(f"input[name='safe_days'][value='{day}']")
    page.check("input[name='safe_times'][value='afternoon']")
    reporter_sends(page)
    assert path_of(page) == f"/{lang}/sent"
    text = page.inner_text("main")
    stored = live_server.report(page.inner_text(".panel .reference").strip())
    due = stored["first_contact_due"].astimezone(ZoneInfo(live_server.app.config["TIMEZONE"]))
    assert due.date() == safe and due.strftime("%H:%M") == "17:00"
    assert "12:00" in text and "17:00" in text
    expected = words(live_server, lang, "We will try to contact you on %(day)s between %(start)s and %(end)s, "
                     "as you asked.", day="\x00", start="12:00", end="17:00").split("\x00")
    assert expected[0] in text and expected[1] in text
    assert words(live_server, lang, "Our community safety team aims to contact you today, in the ways you told us "
                 "are safe.") not in text
