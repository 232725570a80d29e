"""The follow-through indicators: actions done within their target by kind, reviews on time, cases monitored after
closure, repeats within 12 months of closure; small numbers suppressed as everywhere; on the page and in the CSV."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import pytest

from portal.casework import followup_indicators as fi
from portal.casework.indicators import compute
from portal.casework.periods import Period
from portal.staff import indicator_labels as il
from portal.staff.forms_case import ACTION_NAMES
from portal.store.followup_models import CaseReview, CaseTask, MonitorCheckin
from portal.store.models import CaseLink, StaffUser
from tests.casework.test_indicators import add as add_report
from tests.casework.test_indicators import at
from tests.staff_helpers import dbs, html_of, signed_in

Q3 = Period.quarter(2026, 7)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def add(s: Any, *args: Any, **kwargs: Any) -> str:
    report_id = add_report(s, *args, **kwargs)
    s.flush()  # before anything that refers to it
    return report_id


def task(s: Any, report_id: str, kind: str, due: date, done: date | None, state: str = "done") -> None:
    s.add(CaseTask(report_id=report_id, kind=kind, created_at=at("2026-07-01 09:00"), due_on=due, state=state,
                   done_on=done))


def review(s: Any, report_id: str, staff_id: int, due: date | None, on: date) -> None:
    s.add(CaseReview(id=str(uuid.uuid4()), report_id=report_id, at=at("2026-08-01 09:00"), staff_id=staff_id,
                     due_on=due, reviewed_on=on, key_id="k1", sealed=b"x"))


@pytest.fixture
def known(app):  # type: ignore[no-untyped-def]
    with dbs(app) as s, s.begin():
        staff = StaffUser(email="lead@example.org", role="lead", password_hash="x", totp_secret="x",
                          created_at=NOW)
        s.add(staff)
        s.flush()
        a = add(s, "a", "self", "en", "2026-07-06 10:00", "2026-07-07 10:00", "2026-07-06 11:00")
        # Tasks: three security (two in target), one IDVA referral late, one planned (not done), one done before.
        task(s, a, "security", date(2026, 7, 10), date(2026, 7, 9))
        task(s, a, "security", date(2026, 7, 10), date(2026, 7, 10))
        task(s, a, "security", date(2026, 7, 10), date(2026, 7, 20))
        task(s, a, "referral.idva", date(2026, 7, 10), date(2026, 7, 12))
        task(s, a, "repairs", date(2026, 7, 10), None, state="planned")
        task(s, a, "repairs", date(2026, 6, 10), date(2026, 6, 9))
        review(s, a, staff.id, date(2026, 8, 1), date(2026, 8, 1))
        review(s, a, staff.id, date(2026, 8, 1), date(2026, 8, 5))
        review(s, a, staff.id, None, date(2026, 8, 5))  # answered no review date: not counted
        # Closed in the period, monitored; closed in the period, not; closed before the period, monitored.
        monitored = add(s, "m", "self", "en", "2026-05-01 10:00", "2026-05-02 10:00", closed="2026-08-01 10:00",
                        reason="support_in_place")
        add(s, "n", "self", "en", "2026-05-01 10:00", "2026-05-02 10:00", closed="2026-08-02 10:00",
            reason="support_in_place")
        old = add(s, "o", "self", "en", "2025-05-01 10:00", "2025-05-02 10:00", closed="2026-01-10 10:00",
                  reason="support_in_place")
        for rid in (monitored, old):
            s.add(MonitorCheckin(id=str(uuid.uuid4()), report_id=rid, due_on=date(2026, 9, 1)))
        # Repeats: a new report linked to `old` (closed in January: within 12 months), one linked to a case closed
        # 2 years before, one linked to an open case; the link stored either way round.
        ancient = add(s, "x", "self", "en", "2023-05-01 10:00", "2023-05-02 10:00", closed="2024-06-01 10:00",
                      reason="support_in_place")
        opened = add(s, "y", "self", "en", "2026-05-01 10:00", "2026-05-02 10:00")
        for other in (old, ancient, opened):
            new = add(s, "r", "self", "en", "2026-09-01 10:00", "2026-09-02 10:00")
            first, second = sorted((new, other))
            s.add(CaseLink(report_id=first, other_id=second, relation="household", staff_id=staff.id, at=NOW))
    return app


def figures(app, threshold: int = 1) -> fi.FollowupFigures:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        result = compute(s, Q3, now=NOW, threshold=threshold, nation="wales", tz="Europe/London").followup
        assert result is not None
        return result


def test_every_followup_figure(known):
    f = figures(known)
    assert f.tasks_done["security"].value == 3 and f.tasks_in_target["security"].value == 2
    assert f.tasks_done["referral"].value == 1 and f.tasks_in_target["referral"].value == 0
    assert f.tasks_done["repairs"].value == 0  # the planned one is not done; the done one is before the period
    assert f.tasks_in_target_percent["security"].value == 66.7
    assert (f.reviews.value, f.reviews_on_time.value, f.reviews_on_time_percent.value) == (2, 1, 50.0)
    assert f.closed_monitored.value == 1
    assert f.repeat_after_closure.value == 1


def test_small_numbers_are_suppressed(known):
    f = figures(known, threshold=5)
    assert f.tasks_done["security"].suppressed and f.closed_monitored.suppressed
    assert f.reviews_on_time_percent.value is None


def test_every_kind_has_a_name():
    assert set(ACTION_NAMES) <= set(fi.TASK_KINDS) <= set(il.TASK_KIND_NAMES)
    assert set(il.FOLLOWUP_LABELS) == {k for s, k, _v in fi.FollowupFigures(
        {}, {}, {}, *([None] * 5), {}, {}).rows() if s == "follow_up"}  # type: ignore[arg-type]


def test_the_page_and_the_csv_show_them(known):
    lead, _ = signed_in(known, "lead")
    page = html_of(lead.get("/staff/indicators?period=custom&from=2026-07-01&to=2026-09-30"))
    assert "Follow-through" in page and "Cases closed with check-ins after closing" in page
    csv = lead.get("/staff/indicators.csv?period=custom&from=2026-07-01&to=2026-09-30").get_data(as_text=True)
    assert "follow_up.closed_monitored" in csv and "tasks_in_target.security" in csv
    welsh, _ = signed_in(known, "lead", language="cy")
    assert "Follow-through" not in html_of(welsh.get("/staff/indicators"))
