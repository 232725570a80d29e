"""Reviews after first contact (issue 18; MHA 4.2.8): the first review date is set the moment a case is contacted,
from its risk level; a review is recorded (notes sealed, audited with codes) and moves the date; a rise in risk
brings the review forward; the date falls on a working day; an officer may choose an earlier date, never later."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework import cases, reviews
from portal.casework import contact as contact_service
from portal.casework import risk as risk_service
from portal.casework.followup import review_after, review_interval, start_of
from portal.casework.reviews import CaseNotOpen, NextReviewNotAhead, NextReviewTooLate, record_review
from portal.store.followup_models import CaseReview
from portal.store.models import Report, StaffUser
from portal.workdays.working_time import is_working_day
from tests.staff_helpers import add_staff, audit_events, dbs, new_client, report_row, send_report, set_report

TZ = "Europe/London"
NOTES = "Spoke to Ana at her sister's: the new locks are in, he has not been back since the order."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return add_staff(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


@contextmanager
def working(app, reference: str, staff_id: int) -> Iterator[tuple[Any, Report, StaffUser]]:  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        yield s, report, s.get(StaffUser, staff_id)


def reach(app, reference: str, staff_id: int) -> None:  # type: ignore[no-untyped-def]
    """Record that the officer spoke to the person at risk by text (the safe way the report gave)."""
    with working(app, reference, staff_id) as (s, report, staff):
        profiles = cases.open_case(s, report, staff, "test").profiles
        contact_service.record_contact(s, report, staff, profiles, party="person", method="text", outcome="spoke",
                                       profile_checked=True, reason="The test runs at any hour", tz=TZ)


def contacted_case(app, officer, **columns: Any) -> str:  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    if columns:
        set_report(app, reference, **columns)
    reach(app, reference, officer.id)
    return reference


def test_before_contact_nothing_is_scheduled(app):  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    row = report_row(app, reference)
    assert row.next_review_on is None and row.next_kind == "" and row.next_due == row.first_contact_due


@pytest.mark.parametrize(("level", "days"), [("", 30), ("standard", 30), ("medium", 14), ("high", 7)])
def test_contact_sets_the_first_review_from_the_risk_level(app, officer, level, days):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer, risk_level=level)
    row = report_row(app, reference)
    with app.test_request_context():
        assert review_interval(level) == days
        expected = review_after(today(), level)
        assert row.next_review_on == expected and row.next_kind == "review"
        assert row.next_due.replace(tzinfo=None) == start_of(expected).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    assert timedelta(days=days) <= expected - today() <= timedelta(days=days + 4)


def test_the_review_interval_is_configurable(staff_app_factory):  # type: ignore[no-untyped-def]
    app = staff_app_factory({"REVIEW_DAYS": {"high": 3}})
    officer = add_staff(app, "officer")
    reference = contacted_case(app, officer, risk_level="high")
    with app.test_request_context():
        assert review_interval("high") == 3 and review_interval("standard") == 30
        assert report_row(app, reference).next_review_on == review_after(today(), "high")


def test_a_review_date_is_always_a_working_day(app):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        # 5 November 2026 + 30 days is Saturday 5 December: the review falls on Monday 7 December.
        assert review_after(date(2026, 11, 5), "standard") == date(2026, 12, 7)
        for offset in range(14):
            assert is_working_day(review_after(date(2026, 12, 1) + timedelta(days=offset), "high"),
                                  app.config["NATION"])


def test_a_review_is_sealed_audited_and_moves_the_next_review(app, officer):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer, risk_level="medium")
    due = report_row(app, reference).next_review_on
    with working(app, reference, officer.id) as (s, report, staff):
        row = record_review(s, report, staff, risk_changed=False, new_incident=True, measures_ok=False, notes=NOTES)
        review_id = row.id
        expected = review_after(today(), "medium")
    with dbs(app) as s:
        stored = s.get(CaseReview, review_id)
        assert stored.due_on == due and stored.reviewed_on == today() and stored.next_review_on == expected
        assert (stored.risk_changed, stored.new_incident, stored.measures_ok) == (False, True, False)
        assert NOTES.encode() not in stored.sealed
    assert report_row(app, reference).next_review_on == expected
    [event] = audit_events(app, "case.review_recorded")
    assert event.detail == "new_incident measures_not_ok on_time" and NOTES not in (event.detail or "")
    with working(app, reference, officer.id) as (s, report, staff):
        cases.open_case(s, report, staff, "test")
        [opened_review] = reviews.opened_reviews(s, report)
        assert opened_review.content == {"notes": NOTES} and opened_review.unopened is None


def test_an_officer_may_choose_an_earlier_review_never_a_later_one(app, officer):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer)
    with working(app, reference, officer.id) as (s, report, staff):
        latest = reviews.default_next_review(report)
        with pytest.raises(NextReviewTooLate):
            record_review(s, report, staff, False, False, True, "", next_review_on=latest + timedelta(days=1))
        with pytest.raises(NextReviewNotAhead):
            record_review(s, report, staff, False, False, True, "", next_review_on=today())
        earlier = today() + timedelta(days=3)
        record_review(s, report, staff, False, False, True, "", next_review_on=earlier)
    row = report_row(app, reference)
    assert row.next_review_on == earlier and row.next_kind == "review"
    assert len(audit_events(app, "case.review_recorded")) == 1


def test_only_an_open_contacted_case_is_reviewed(app, officer):  # type: ignore[no-untyped-def]
    waiting = send_report(new_client(app))
    closed = contacted_case(app, officer)
    set_report(app, closed, is_open=False, status="closed")
    for reference in (waiting, closed):
        with working(app, reference, officer.id) as (s, report, staff), pytest.raises(CaseNotOpen):
            record_review(s, report, staff, False, False, True, "")
    assert audit_events(app, "case.review_recorded") == []


def test_a_case_becoming_high_risk_is_reviewed_sooner(app, officer):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer)
    with app.test_request_context():
        assert report_row(app, reference).next_review_on == review_after(today(), "standard")
    with working(app, reference, officer.id) as (s, report, staff):
        risk_service.record_assessment(s, report, staff, agency="idva", agency_name="", assessed_on=today(),
                                       tool="dash", score=17, grade="", marac_planned=True, note="",
                                       threshold=14, tz=TZ)
    row = report_row(app, reference)
    with app.test_request_context():
        assert row.risk_level == "high" and row.next_review_on == review_after(today(), "high")
    # Falling back to standard risk does not push the review back: the new interval applies from the next review.
    with working(app, reference, officer.id) as (s, report, staff):
        risk_service.record_assessment(s, report, staff, agency="idva", agency_name="", assessed_on=today(),
                                       tool="dara", score=None, grade="standard", marac_planned=False, note="",
                                       threshold=14, tz=TZ)
    assert report_row(app, reference).next_review_on == row.next_review_on


def test_an_escalation_after_a_long_gap_makes_the_review_due_today_not_overdue(app, officer):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer)
    long_ago = datetime.now(ZoneInfo("UTC")) - timedelta(days=25)
    set_report(app, reference, first_contact_at=long_ago)
    with working(app, reference, officer.id) as (s, report, staff):
        risk_service.record_assessment(s, report, staff, agency="idva", agency_name="", assessed_on=today(),
                                       tool="dash", score=20, grade="", marac_planned=True, note="",
                                       threshold=14, tz=TZ)
    assert report_row(app, reference).next_review_on == today()


def test_reopening_a_case_makes_a_review_due(app, officer):  # type: ignore[no-untyped-def]
    reference = contacted_case(app, officer)
    set_report(app, reference, is_open=False, status="closed", next_review_on=None,
               first_contact_at=datetime.now(ZoneInfo("UTC")) - timedelta(days=90),
               monitor_until=today() + timedelta(days=60))
    with working(app, reference, officer.id) as (s, report, staff):
        cases.change_status(s, report, staff, "case_open")
    row = report_row(app, reference)
    assert row.is_open and row.next_review_on == today() and row.next_kind == "review"
    assert row.monitor_until is None  # monitoring after closure ends when the case reopens
