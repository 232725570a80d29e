"""Reviews in the browser (issue 18), in English and Welsh, with JavaScript off, every field found by its visible
label: an officer's day. She filters her own cases (?owner=mine) to the reviews overdue, sees what is next on
each, opens one, records a review, and sees the next review date on the case; the case leaves the filter."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, queue_row

pytestmark = pytest.mark.browser

WIDTH = 360
NOTES = "Phoned Ana at a safe time: the new locks are in and he has not been back."


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def contacted(live_server: Any, reference: str, review_on: date) -> None:
    """First contact made 40 days ago (as record_contact would), and the review date `review_on`."""
    from sqlalchemy import select

    from portal.casework.followup import refresh_next
    from portal.store.models import Report

    with live_server.app.app_context(), live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        report.contacted, report.status = True, "in_contact"
        report.first_contact_at = datetime.now(timezone.utc) - timedelta(days=40)
        report.next_review_on = review_on
        refresh_next(dbs, report)
        dbs.commit()


def answer_word(live_server: Any, lang: str, context: str, text: str) -> str:
    from flask_babel import force_locale, pgettext
    with live_server.app.test_request_context("/"), force_locale(lang):
        return str(pgettext(context, text))


def choose(page: Any, question: str, option: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def listed(page: Any) -> list[str]:
    hrefs = page.locator("table.queue tbody tr a[href^='/staff/cases/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(h.rsplit("/", 1)[1] for h in hrefs))


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_officers_day_reviews_overdue_then_one_recorded_with_javascript_off(new_context, live_server, lang):
    def words(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    def day(d: date) -> str:
        return format_date(d, "d MMM yyyy", locale=lang)

    officer = make_staff(live_server, "officer", lang, enrolled=True)
    page = new_context(js=False, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    assert page_language(page) == lang
    late = make_report(live_server, days_ago=45, owner=officer)
    later = make_report(live_server, days_ago=45, owner=officer)
    contacted(live_server, late, today() - timedelta(days=2))
    contacted(live_server, later, today() + timedelta(days=5))

    page.goto("/staff/?owner=mine")
    assert {late, later} <= set(listed(page))
    page.get_by_label(words("Reviews overdue"), exact=True).check()
    page.get_by_role("button", name=words("Apply filters"), exact=True).click()
    page.wait_for_load_state()
    assert "follow=reviews_overdue" in page.url and "owner=mine" in page.url  # bookmarkable
    assert listed(page) == [late]
    row = queue_row(page, late).inner_text()
    assert words("Review due %(date)s", date=day(today() - timedelta(days=2))) in row
    assert words("(overdue)") in row
    assert_no_sideways_scrolling(page, WIDTH)

    page.get_by_role("link", name=late, exact=True).click()
    page.wait_for_load_state()
    assert words("Next review: %(date)s", date=day(today() - timedelta(days=2))) in page.inner_text("main")
    page.get_by_role("navigation", name=words("Work on this case")).get_by_role(
        "link", name=words("Record a review"), exact=True).click()
    page.wait_for_load_state()
    assert_no_sideways_scrolling(page, WIDTH)
    # Nothing answered: the page comes back with what was typed.
    page.get_by_label(words("Notes (optional)"), exact=True).fill(NOTES)
    page.get_by_role("button", name=words("Record the review"), exact=True).click()
    page.wait_for_load_state()
    assert words("Select whether the risk has changed") in page.inner_text(".error-summary")
    assert page.get_by_label(words("Notes (optional)"), exact=True).input_value() == NOTES
    choose(page, words("Has the risk changed since the last review?"),
           answer_word(live_server, lang, "answer: has the risk changed", "No"))
    choose(page, words("Has there been a new incident?"),
           answer_word(live_server, lang, "answer: has there been a new incident", "No"))
    choose(page, words("Are the safety measures still right?"),
           answer_word(live_server, lang, "answer: are the safety measures still right", "Yes"))
    page.get_by_role("button", name=words("Record the review"), exact=True).click()
    page.wait_for_load_state()

    with live_server.app.app_context():
        from portal.casework.followup import review_after
        expected = review_after(today(), "")
    assert page.url.endswith(f"/staff/cases/{late}")
    assert words("Review recorded. The next review is on %(date)s.", date=day(expected)) in flash_text(page)
    assert words("Next review: %(date)s", date=day(expected)) in page.inner_text("main")
    assert NOTES in page.inner_text(".case-reviews")

    page.goto("/staff/?owner=mine&follow=reviews_overdue")
    assert late not in listed(page)
