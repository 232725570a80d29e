"""Actions are tasks (issue 18), the service: recording an action gives it a task with an owner and a due date in
working days (weekends and bank holidays skipped; a lead's targets over the defaults); the state moves forward
only, a finished task is reopened deliberately; a breathing space runs until its end date and raises the task to
act before it ends, closed with it; every change is audited and keeps the case's next thing up to date."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.casework import tasks as ts
from portal.store.followup_models import CaseTask
from portal.store.models import CaseEntry, Report
from tests.staff_helpers import (
    add_staff,
    audit_events,
    dbs,
    open_case_of,
    work,
)

THURSDAY_BEFORE_CHRISTMAS = date(2026, 12, 24)  # Friday 25th, Saturday 26th and Monday 28th are bank holidays
FRIDAY = date(2026, 12, 4)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return add_staff(app, "officer")


@pytest.fixture
def reference(app, officer):  # type: ignore[no-untyped-def]
    return open_case_of(app, officer.id)


def on(monkeypatch, day: date) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ts, "today", lambda _tz: day)


def record(app, reference, staff_id, code="security", plan=None, **dates):  # type: ignore[no-untyped-def]
    def job(s, report, staff):  # type: ignore[no-untyped-def]
        task = ts.record_action(s, report, staff, code, {"measures": ["locks"], "detail": "x"}, plan or ts.TaskPlan(),
                                **dates)
        return task.id
    return work(app, reference, staff_id, job)


def tasks(app) -> list[CaseTask]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(CaseTask).order_by(CaseTask.id)))


def report_of(app, reference: str) -> Report:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return s.scalar(select(Report).where(Report.reference == reference))


def test_an_action_is_due_in_working_days_across_a_weekend_and_a_bank_holiday(app, reference, officer, monkeypatch):
    on(monkeypatch, FRIDAY)
    record(app, reference, officer.id, "repairs.urgent")  # 1 working day: Monday
    record(app, reference, officer.id, "security")  # 2: Tuesday
    on(monkeypatch, THURSDAY_BEFORE_CHRISTMAS)
    record(app, reference, officer.id, "referral.idva")  # 1: over Christmas, Boxing Day and its substitute
    record(app, reference, officer.id, "repairs")  # 5
    found = tasks(app)
    assert [(t.kind, t.due_on, t.target_days) for t in found] == [
        ("repairs.urgent", date(2026, 12, 7), 1), ("security", date(2026, 12, 8), 2),
        ("referral.idva", date(2026, 12, 29), 1), ("repairs", date(2027, 1, 5), 5)]
    assert all((t.state, t.owner_id, t.created_by) == ("planned", officer.id, officer.id) for t in found)
    with dbs(app) as s:  # each task points at its sealed action entry, counted as before by its code
        entries = {e.id: e.code for e in s.scalars(select(CaseEntry).where(CaseEntry.kind == "action"))}
    assert [entries[t.entry_id] for t in found] == [t.kind for t in found]
    assert [e.detail for e in audit_events(app, "case.task_added")][-1].endswith("repairs planned")


def test_a_leads_targets_override_the_defaults_and_bad_ones_are_refused(app, reference, officer, monkeypatch):
    lead = add_staff(app, "lead")
    on(monkeypatch, FRIDAY)
    changed = work(app, reference, lead.id, lambda s, _r, staff: ts.set_task_days(s, staff, {"security": 0,
                                                                                          "referral": 3}))
    assert changed == ["referral", "security"]
    assert [e.detail for e in audit_events(app, "settings.task_days_changed")] == ["referral security"]
    record(app, reference, officer.id, "security")
    record(app, reference, officer.id, "referral.marac")
    record(app, reference, officer.id, "safety_plan")  # untouched default: 1
    assert [(t.due_on, t.target_days) for t in tasks(app)] == [
        (date(2026, 12, 4), 0), (date(2026, 12, 9), 3), (date(2026, 12, 7), 1)]
    for bad in ({"security": 61}, {"security": -1}, {"perpetrator": 2}):
        with pytest.raises(ts.NotATarget):
            work(app, reference, lead.id, lambda s, _r, staff, bad=bad: ts.set_task_days(s, staff, bad))
    with app.app_context(), dbs(app) as s:
        assert ts.task_days(s)["security"] == 0


def test_the_officer_chooses_the_owner_the_due_date_or_that_it_is_done(app, reference, officer, monkeypatch):
    other = add_staff(app, "officer")
    auditor = add_staff(app, "auditor")
    on(monkeypatch, FRIDAY)
    record(app, reference, officer.id, "safe_phone", ts.TaskPlan(owner_id=other.id, due_on=date(2026, 12, 11)))
    record(app, reference, officer.id, "food_bills", ts.TaskPlan(done=True))
    assert [(t.owner_id, t.due_on, t.state, t.started_on, t.done_on) for t in tasks(app)] == [
        (other.id, date(2026, 12, 11), "planned", None, None),
        (officer.id, date(2026, 12, 8), "done", FRIDAY, FRIDAY)]
    with pytest.raises(ts.NotAnOwner):
        record(app, reference, officer.id, "security", ts.TaskPlan(owner_id=auditor.id))
    with pytest.raises(ts.DueInThePast):
        record(app, reference, officer.id, "security", ts.TaskPlan(due_on=date(2026, 12, 3)))
    assert len(tasks(app)) == 2  # nothing recorded for the refused ones


def change(app, reference, staff_id, task_id, what, *args):  # type: ignore[no-untyped-def]
    def job(s, report, staff):  # type: ignore[no-untyped-def]
        task = ts.find_task(s, report, task_id)
        getattr(ts, what)(s, report, task, *args, staff) if what != "reopen" else ts.reopen(s, report, task, staff)
    return work(app, reference, staff_id, job)


def test_states_move_forward_and_a_finished_task_is_only_reopened_deliberately(app, reference, officer,
                                                                               monkeypatch):
    on(monkeypatch, FRIDAY)
    task_id = record(app, reference, officer.id, "security")
    with pytest.raises(ts.NotAState):
        change(app, reference, officer.id, task_id, "change_state", "finished")
    with pytest.raises(ts.NoChange):
        change(app, reference, officer.id, task_id, "change_state", "planned")
    change(app, reference, officer.id, task_id, "change_state", "in_progress")
    with pytest.raises(ts.NotBackToPlanned):
        change(app, reference, officer.id, task_id, "change_state", "planned")
    on(monkeypatch, date(2026, 12, 7))
    change(app, reference, officer.id, task_id, "change_state", "done")
    (task,) = tasks(app)
    assert (task.state, task.started_on, task.done_on, task.state_by) == ("done", FRIDAY, date(2026, 12, 7),
                                                                          officer.id)
    for state in ("planned", "not_needed"):
        with pytest.raises(ts.TaskClosed):
            change(app, reference, officer.id, task_id, "change_state", state)
    with pytest.raises(ts.TaskClosed):
        change(app, reference, officer.id, task_id, "change_due", date(2026, 12, 20))
    on(monkeypatch, date(2026, 12, 10))
    change(app, reference, officer.id, task_id, "reopen")
    (task,) = tasks(app)
    assert (task.state, task.done_on, task.due_on) == ("planned", None, date(2026, 12, 10))  # due today again
    with pytest.raises(ts.NotOpen):
        change(app, reference, officer.id, task_id, "reopen")
    details = [e.detail for e in audit_events(app) if e.action.startswith("case.task_")]
    assert details[1:] == [f"{task_id} security planned->in_progress", f"{task_id} security in_progress->done",
                           f"{task_id} security done->planned"]


def test_reassigning_and_moving_the_due_date(app, reference, officer, monkeypatch):
    other = add_staff(app, "lead")
    on(monkeypatch, FRIDAY)
    task_id = record(app, reference, officer.id, "money_advice")
    change(app, reference, officer.id, task_id, "reassign", other.id)
    with pytest.raises(ts.NoChange):
        change(app, reference, officer.id, task_id, "reassign", other.id)
    with pytest.raises(ts.NotAnOwner):
        change(app, reference, officer.id, task_id, "reassign", 999_999)
    change(app, reference, officer.id, task_id, "change_due", date(2026, 12, 18))
    with pytest.raises(ts.DueInThePast):
        change(app, reference, officer.id, task_id, "change_due", date(2026, 12, 3))
    (task,) = tasks(app)
    assert (task.owner_id, task.due_on) == (other.id, date(2026, 12, 18))
    assert [e.detail for e in audit_events(app, "case.task_owner")] == [
        f"{task_id} money_advice {officer.id}->{other.id}"]
    assert [e.detail for e in audit_events(app, "case.task_due")] == [f"{task_id} money_advice"]  # no dates


def test_a_breathing_space_runs_to_its_end_and_raises_the_task_before_it(app, reference, officer, monkeypatch):
    on(monkeypatch, FRIDAY)
    space = record(app, reference, officer.id, "breathing_space", starts_on=FRIDAY, ends_on=date(2027, 1, 8))
    short = record(app, reference, officer.id, "breathing_space", starts_on=date(2026, 11, 9),
                   ends_on=date(2026, 12, 8))  # ends within the notice: its end task is due today, never before
    found = tasks(app)
    assert [(t.kind, t.state, t.started_on, t.due_on, t.owner_id) for t in found] == [
        ("breathing_space", "in_progress", FRIDAY, date(2027, 1, 8), officer.id),
        # five working days before Friday 8 January, New Year's Day not counted: Thursday 31 December
        ("breathing_space_end", "planned", None, date(2026, 12, 31), officer.id),
        ("breathing_space", "in_progress", date(2026, 11, 9), date(2026, 12, 8), officer.id),
        ("breathing_space_end", "planned", None, FRIDAY, officer.id)]
    assert found[1].entry_id == found[0].entry_id and found[1].created_by is None  # the portal raised it
    change(app, reference, officer.id, space, "change_state", "done")
    change(app, reference, officer.id, short, "change_state", "not_needed")
    assert [t.state for t in tasks(app)] == ["done", "not_needed", "not_needed", "not_needed"]


def test_every_change_keeps_the_cases_next_thing(app, reference, officer, monkeypatch):
    on(monkeypatch, FRIDAY)
    before = report_of(app, reference)
    review = before.next_review_on
    first = record(app, reference, officer.id, "safety_plan")
    report = report_of(app, reference)
    assert (report.next_kind, report.next_due.date()) == ("safety_plan", date(2026, 12, 7))
    assert report.next_review_on is not None and (review is None or report.next_review_on == review)
    second = record(app, reference, officer.id, "security", ts.TaskPlan(due_on=date(2026, 12, 10)))
    assert report_of(app, reference).next_kind == "safety_plan"
    change(app, reference, officer.id, first, "change_state", "done")
    assert (report_of(app, reference).next_kind, report_of(app, reference).next_due.date()) == (
        "security", date(2026, 12, 10))
    change(app, reference, officer.id, second, "change_due", date(2026, 12, 9))
    assert report_of(app, reference).next_due.date() == date(2026, 12, 9)
    change(app, reference, officer.id, second, "change_state", "not_needed")
    assert report_of(app, reference).next_kind == "review"  # nothing open: the review is next


def test_security_measures_are_revisited_when_the_case_escalates(app, reference, officer, monkeypatch):
    """MHA 4.2.8: a high-risk assessment or an incident after the measures were last dealt with asks for them to
    be revisited, until a security action is open again."""
    from portal.casework.risk import record_incident
    from tests.staff_helpers import record_assessment

    real = date.today()
    revisit = lambda: work(app, reference, officer.id, lambda s, r, _st: ts.measures_to_revisit(s, r))  # noqa: E731
    assert revisit() == ""  # no security measures yet: nothing to revisit
    on(monkeypatch, real - timedelta(days=10))
    record(app, reference, officer.id, "security", ts.TaskPlan(done=True))
    assert revisit() == ""
    record_assessment(app, reference, level="standard")
    assert revisit() == ""
    work(app, reference, officer.id, lambda s, r, st: record_incident(
        s, r, st, occurred_on=real - timedelta(days=2), police=True, incident_number="", what="",
        tz="Europe/London"))
    assert revisit() == "incident"
    record_assessment(app, reference, level="high")
    assert revisit() == "risk"
    on(monkeypatch, real)
    task_id = record(app, reference, officer.id, "security")
    assert revisit() == ""  # being revisited
    change(app, reference, officer.id, task_id, "change_state", "done")
    assert revisit() == ""  # dealt with after the escalation
