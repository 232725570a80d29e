"""Monitoring after closure (Plus Dane 15): check-in dates (by default MONITORING_DAYS after closing), monitor_until
kept as the last check-in still due, the safety gate before a check-in that contacts them (enforced in the service,
with contact.py's rules), skipping needs a reason (sealed), and purge waits until monitoring ends."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from portal.casework import monitoring as service
from portal.casework.contact import MethodNotSafe
from portal.casework.retention import purge
from portal.store.followup_models import MonitorCheckin
from portal.store.models import ContactAttempt, Report, StaffUser
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    add_staff,
    audit_events,
    dbs,
    new_client,
    report_row,
    send_report,
    set_report,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def closed_case(app, closed_days_ago: int = 0) -> str:  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app), {**SAFE_TEXT, "story": STORY})  # safe ways: texts only
    set_report(app, reference, is_open=False, status="closed", close_reason="support_in_place", contacted=True,
               closed_at=datetime.now(timezone.utc) - timedelta(days=closed_days_ago))
    return reference


@contextmanager
def case(app, reference: str) -> Iterator[tuple[Any, Report, StaffUser, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    from portal.casework.cases import open_case

    account = add_staff(app, "officer")
    with app.test_request_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        staff = s.get(StaffUser, account.id)
        assert report is not None and staff is not None
        profiles = open_case(s, report, staff, "test").profiles
        yield s, report, staff, profiles


def local_today(app) -> date:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def test_default_dates_follow_monitoring_days_and_monitor_until_is_the_last(app):
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, _profiles):
        rows = service.set_monitoring(s, report, staff)
        today = local_today(app)
        assert [r.due_on for r in rows] == [today + timedelta(days=d) for d in app.config["MONITORING_DAYS"]]
        assert report.monitor_until == rows[-1].due_on
        assert report.next_kind == "checkin"
    assert report_row(app, reference).monitor_until == today + timedelta(days=max(app.config["MONITORING_DAYS"]))
    assert [e.detail for e in audit_events(app, "case.monitoring_set")] == [
        f"checkins:2 until:{(today + timedelta(days=91)).isoformat()}"]


def test_chosen_dates_replace_the_due_ones_and_bad_dates_are_refused(app):
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, _profiles):
        today = local_today(app)
        service.set_monitoring(s, report, staff)
        service.set_monitoring(s, report, staff, [today + timedelta(days=10), today + timedelta(days=3)])
        assert [r.due_on for r in service.checkins(s, report)] == [today + timedelta(days=3),
                                                                   today + timedelta(days=10)]
        assert report.monitor_until == today + timedelta(days=10)
        for bad in ([], [today - timedelta(days=1)], [today + timedelta(days=400)],
                    [today + timedelta(days=n) for n in range(1, 9)]):
            with pytest.raises(service.BadDates):
                service.set_monitoring(s, report, staff, bad)


def test_an_open_case_is_not_monitored_after_closure(app):
    reference = send_report(new_client(app), {**SAFE_TEXT, "story": STORY})
    with case(app, reference) as (s, report, staff, _profiles), pytest.raises(service.NotClosed):
        service.set_monitoring(s, report, staff)


def test_contacting_them_needs_the_safety_check_and_one_of_their_safe_ways(app):
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, profiles):
        first, _second = service.set_monitoring(s, report, staff)
        assert service.ways(report, profiles) == [("person", "text")]
        with pytest.raises(service.NotSafeChecked):
            service.record_checkin(s, report, staff, first, profiles, safe_checked=False, outcome="well",
                                   method="person:text")
        with pytest.raises(service.NeedsMethod):  # a call they never marked safe (a tampered form)
            service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="well",
                                   method="person:call")
        with pytest.raises(service.NeedsMethod):
            service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="no_answer")
        assert first.state == "due"
        assert s.scalar(select(ContactAttempt.id).where(ContactAttempt.report_id == report.id)) is None
        service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="well",
                               method="person:text", notes="All well; new locks holding.")
        assert (first.state, first.outcome, first.safe_checked) == ("done", "well", True)
        attempt = s.scalar(select(ContactAttempt).where(ContactAttempt.report_id == report.id))
        assert attempt is not None and (attempt.method, attempt.outcome) == ("text", "spoke")
        assert b"locks holding" not in (first.sealed or b"")
        assert service.opened_text(first)[0] == "All well; new locks holding."
        with pytest.raises(service.NotDue):
            service.skip_checkin(s, report, staff, first, "twice")
    assert [e.detail for e in audit_events(app, "case.checkin_done")] == ["well person:text"]


def test_contact_rules_are_contact_pys(app):
    """The way must be one of the *current* profile's: record_contact's own refusal applies too."""
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, profiles):
        first, _ = service.set_monitoring(s, report, staff)
        profiles["person"].answers["contact_methods"] = ["call"]  # as if the profile changed since
        with pytest.raises(service.NeedsMethod):
            service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="well",
                                   method="person:text")
        with pytest.raises(MethodNotSafe):  # record_contact itself still refuses a way not in the profile
            from portal.casework.contact import record_contact
            record_contact(s, report, staff, profiles, party="person", method="text", outcome="spoke",
                           profile_checked=True, tz="Europe/London", commit=False)


def test_a_records_only_check_in_needs_no_contact(app):
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, profiles):
        first, _ = service.set_monitoring(s, report, staff)
        service.record_checkin(s, report, staff, first, profiles, safe_checked=False, outcome="records_only",
                               notes="Not safe to text now: checked the linked cases.")
        assert first.state == "done"
        assert s.scalar(select(ContactAttempt.id).where(ContactAttempt.report_id == report.id)) is None


def test_skipping_needs_a_reason_and_the_last_one_ends_monitoring(app):
    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, profiles):
        first, second = service.set_monitoring(s, report, staff)
        with pytest.raises(service.SkipNeedsReason):
            service.skip_checkin(s, report, staff, first, "   ")
        service.skip_checkin(s, report, staff, first, "He is back at the address: contact would be risky.")
        assert first.state == "skipped" and b"risky" not in (first.sealed or b"")
        assert report.monitor_until == second.due_on
        assert service.ended_on(service.checkins(s, report)) is None
        service.record_checkin(s, report, staff, second, profiles, safe_checked=True, outcome="no_answer",
                               method="person:text")
        assert report.monitor_until is None and report.next_kind == ""
        assert service.ended_on(service.checkins(s, report)) == datetime.now(timezone.utc).date()
    assert audit_events(app, "case.checkin_done")[-1].detail == "no_answer person:text ended"


def test_purge_waits_until_monitoring_ends(app):
    reference = closed_case(app, closed_days_ago=7 * 365)
    with case(app, reference) as (s, report, staff, profiles):
        first, second = service.set_monitoring(s, report, staff)
    assert purge(app.extensions["sessionmaker"], app.config).cases == 0
    assert report_row(app, reference)
    with case(app, reference) as (s, report, staff, profiles):
        for row in service.checkins(s, report):
            service.skip_checkin(s, report, staff, row, "Moved away.")
    # The retention period runs from the last check-in too: what it found is kept as long as the case.
    assert purge(app.extensions["sessionmaker"], app.config).cases == 0
    with dbs(app) as s, s.begin():
        for row in s.scalars(select(MonitorCheckin)):
            row.at = datetime.now(timezone.utc) - timedelta(days=7 * 365)
    assert purge(app.extensions["sessionmaker"], app.config).cases == 1
    with dbs(app) as s:
        assert s.scalar(select(MonitorCheckin.id)) is None
        assert s.scalar(select(Report.id).where(Report.reference == reference)) is None


def test_a_message_left_on_a_call_is_a_voicemail_refused_unless_they_agreed(app):
    from portal.casework.contact import VoicemailRefused

    reference = send_report(new_client(app), {"story": STORY, "contact_methods": ["call"],
                                              "phone_call": "07700 900982", "voicemail": "no"})
    set_report(app, reference, is_open=False, status="closed", close_reason="support_in_place", contacted=True,
               closed_at=datetime.now(timezone.utc))
    with case(app, reference) as (s, report, staff, profiles):
        first, _ = service.set_monitoring(s, report, staff)
        with pytest.raises(VoicemailRefused):
            service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="message_left",
                                   method="person:call", reason="Out of hours: the only time she said.")
        assert first.state == "due"


def test_with_a_linked_case_open_a_check_in_does_not_contact_them_and_an_open_case_has_none(app):
    from portal.store.models import CaseLink

    reference = closed_case(app)
    newer = send_report(new_client(app), {**SAFE_TEXT, "story": STORY})
    with dbs(app) as s, s.begin():
        s.add(CaseLink(report_id=report_row(app, reference).id, other_id=report_row(app, newer).id,
                       relation="person", staff_id=add_staff(app, "lead").id, at=datetime.now(timezone.utc)))
    with case(app, reference) as (s, report, staff, profiles):
        first, second = service.set_monitoring(s, report, staff)
        with pytest.raises(service.LinkedCaseOpen):
            service.record_checkin(s, report, staff, first, profiles, safe_checked=True, outcome="well",
                                   method="person:text")
        service.record_checkin(s, report, staff, first, profiles, safe_checked=False, outcome="records_only")
        assert [c.reference for c in service.context(s, report, staff).linked_open] == [newer]
        report.is_open = True  # reopened
        with pytest.raises(service.NotClosed):
            service.skip_checkin(s, report, staff, second, "Reopened.")


def test_reopening_ends_monitoring_and_its_check_ins_still_to_come(app):
    from portal.casework.cases import change_status

    reference = closed_case(app)
    with case(app, reference) as (s, report, staff, profiles):
        first, _second = service.set_monitoring(s, report, staff)
        service.skip_checkin(s, report, staff, first, "Moved away for a while.")
        change_status(s, report, staff, "case_open")
        assert report.monitor_until is None and report.next_kind != "checkin"
        assert [(r.state, r.id) for r in service.checkins(s, report)] == [("skipped", first.id)]
