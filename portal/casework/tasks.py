"""Actions are tasks: every action recorded on a case has an owner, a due date in working days and a state
(planned, in progress, done, not needed) with its dates; a breathing space raises the task to act before it ends.
The action's details stay sealed on its case entry; a task holds only codes, dates and who. Every change is
audited (codes only) and the case's next thing is worked out again (`refresh_next`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.cases import add_entry
from portal.casework.common import audit, now, today
from portal.casework.followup import refresh_next
from portal.casework.risk import latest_complete
from portal.store.followup_models import OPEN_TASK_STATES, TASK_STATES, CaseTask
from portal.store.models import Report, StaffUser
from portal.store.risk_models import Incident
from portal.store.settings import get_setting, set_setting
from portal.workdays.working_time import add_working_days, working_days_before

SETTING = "task_days"
BREATHING_SPACE_END = "breathing_space_end"

# Target working days from recording an action to having it done, by its code (a sub-code such as "repairs.urgent"
# first, then its kind). A lead may change them (`set_task_days`); these are the defaults, and why:
DEFAULT_TASK_DAYS: dict[str, int] = {
    "security": 2,  # locks and alarms within two working days: the home is not safe until they are in
    "repairs": 5,  # damage caused by the abuse, repaired as a matter of urgency, never recharged (Plus Dane 14.3)
    "repairs.urgent": 1,  # a door or window that will not shut: the next working day
    "safety_plan": 1,  # made with the person at first contact or the day after
    "safe_phone": 2,  # personal safety equipment (VIVID 4.3): as quickly as the security measures
    "referral": 1,  # referrals (IDVA, MARAC, police, phone monitoring, homelessness…) on the next working day
    "breathing_space": 1,  # put in place the next working day; its task then runs until the breathing space ends
    "money_advice": 5,  # an appointment within a working week
    "food_bills": 2,  # food vouchers and help with bills: people may have nothing today (VIVID 4.4)
    "furniture": 10,  # white goods and furniture for a new home: ordered within two working weeks (VIVID 4.4)
    "dso_assessment": 2,  # the Designated Safeguarding Officer's assessment where there is no police report
    "rehousing": 10,  # a rehousing or transfer request is made within two working weeks
    "rehousing.risk_assessment": 5,  # the risk assessment for rehousing comes before the offer
    "rehousing.like_for_like": 10,  # the single like-for-like offer (whg 2.15)
}
# Kinds the portal raises by itself, with what they are due from.
RAISED_KINDS = (BREATHING_SPACE_END,)
MAX_TASK_DAYS = 60


class TaskError(Exception):
    """A task change the rules do not allow."""


class NotAState(TaskError):
    """Not one of planned, in progress, done, not needed."""


class NoChange(TaskError):
    """The task is already in that state (or has that owner, or is due that day)."""


class TaskClosed(TaskError):
    """The task is done or not needed: reopen it deliberately before changing it."""


class NotOpen(TaskError):
    """Only a done or not-needed task can be reopened."""


class NotBackToPlanned(TaskError):
    """A task in progress is not put back to planned: it is done, or not needed."""


class NotAnOwner(TaskError):
    """The owner must be an active officer or team lead."""


class DueInThePast(TaskError):
    """An open task is not given a due date before today."""


class NotATarget(TaskError):
    """A target must be a whole number of working days, 0 to MAX_TASK_DAYS, for a kind that has one."""


@dataclass(frozen=True)
class TaskPlan:
    """What the officer chose when recording the action: who owns it, when it is due, and whether it is done."""

    owner_id: int | None = None  # None: the case owner, else the officer recording it
    due_on: date | None = None  # None: from the kind's target
    done: bool = False  # already done today


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


def _nation() -> str:
    return str(current_app.config["NATION"])


def task_days(dbs: Session) -> dict[str, int]:
    """The targets in working days by code: the defaults with whatever a lead set over them."""
    try:
        stored = json.loads(get_setting(dbs, SETTING, "{}"))
    except ValueError:
        stored = {}
    days = dict(DEFAULT_TASK_DAYS)
    for code, value in stored.items() if isinstance(stored, dict) else ():
        if code in days and isinstance(value, int) and 0 <= value <= MAX_TASK_DAYS:
            days[code] = value
    return days


def set_task_days(dbs: Session, staff: StaffUser, days: dict[str, int]) -> list[str]:
    """A lead sets the targets (only those that differ from the defaults are kept). Returns the codes changed."""
    for code, value in days.items():
        if code not in DEFAULT_TASK_DAYS or not isinstance(value, int) or not 0 <= value <= MAX_TASK_DAYS:
            raise NotATarget(code)
    before = task_days(dbs)
    after = dict(before, **days)
    changed = sorted(code for code in after if after[code] != before[code])
    set_setting(dbs, SETTING, json.dumps({c: v for c, v in sorted(after.items()) if v != DEFAULT_TASK_DAYS[c]}))
    if changed:
        audit(dbs, staff, "settings.task_days_changed", detail=" ".join(changed))
    dbs.commit()
    return changed


def target_for(code: str, days: dict[str, int]) -> int:
    """The target for an action's code: its own, else its kind's, else a working week."""
    return days.get(code, days.get(code.partition(".")[0], 5))


def default_due(dbs: Session, code: str, on: date | None = None) -> date:
    """When an action recorded on `on` (today) is due by default: its target in working days."""
    return add_working_days(on or today(_tz()), target_for(code, task_days(dbs)), _nation())


def _owner(dbs: Session, owner_id: int) -> StaffUser:
    person = dbs.get(StaffUser, owner_id)
    if person is None or not person.active or person.role not in ("officer", "lead"):
        raise NotAnOwner(str(owner_id))
    return person


def possible_owners(dbs: Session) -> list[StaffUser]:
    """Who may own a task: active officers and team leads, by name."""
    return list(dbs.scalars(select(StaffUser).where(StaffUser.active.is_(True),
                                                    StaffUser.role.in_(("officer", "lead")))
                            .order_by(StaffUser.name, StaffUser.id)))


def record_action(dbs: Session, report: Report, staff: StaffUser, code: str, content: dict[str, Any],
                  plan: TaskPlan, *, starts_on: date | None = None, ends_on: date | None = None) -> CaseTask:
    """Record an action (its details sealed on a case entry, as before) and its task. A breathing space is in
    progress from its start until its end date (its due date) and raises the task to act before it ends."""
    owner_id = plan.owner_id or report.owner_id or staff.id
    _owner(dbs, owner_id)
    on = today(_tz())
    breathing = code == "breathing_space" and ends_on is not None
    if plan.due_on is not None and plan.due_on < on and not plan.done:
        raise DueInThePast(plan.due_on.isoformat())
    entry = add_entry(dbs, report, staff, "action", content, code=code, starts_on=starts_on, ends_on=ends_on,
                      commit=False)  # the entry and its task commit together
    days = target_for(code, task_days(dbs))
    due = ends_on if breathing else (plan.due_on or add_working_days(on, days, _nation()))
    task = CaseTask(report_id=report.id, entry_id=entry.id, kind=code, created_at=now(), created_by=staff.id,
                    owner_id=owner_id, due_on=due, target_days=days, state="planned")
    if breathing:
        task.state, task.started_on, task.state_at, task.state_by = "in_progress", starts_on or on, now(), staff.id
    elif plan.done:
        task.state, task.started_on, task.done_on, task.state_at, task.state_by = "done", on, on, now(), staff.id
    dbs.add(task)
    dbs.flush()
    audit(dbs, staff, "case.task_added", report, detail=f"{task.id} {code} {task.state}")
    if breathing and ends_on is not None:
        _breathing_space_end(dbs, report, task, ends_on)
    refresh_next(dbs, report)
    dbs.commit()
    return task


def _breathing_space_end(dbs: Session, report: Report, space: CaseTask, ends_on: date) -> CaseTask:
    notice = int(current_app.config["BREATHING_SPACE_NOTICE_DAYS"])
    due = max(today(_tz()), working_days_before(ends_on, notice, _nation()))
    end = CaseTask(report_id=report.id, entry_id=space.entry_id, kind=BREATHING_SPACE_END, created_at=now(),
                   created_by=None, owner_id=space.owner_id or report.owner_id, due_on=due, target_days=notice,
                   state="planned")
    dbs.add(end)
    dbs.flush()
    return end


def tasks_of(dbs: Session, report: Report) -> list[CaseTask]:
    """The case's tasks: open ones first by due date, then the finished ones, latest first."""
    found = list(dbs.scalars(select(CaseTask).where(CaseTask.report_id == report.id).order_by(CaseTask.id)))
    open_ = sorted((t for t in found if t.state in OPEN_TASK_STATES), key=lambda t: (t.due_on, t.id))
    closed = sorted((t for t in found if t.state not in OPEN_TASK_STATES),
                    key=lambda t: (t.done_on or t.due_on, t.id), reverse=True)
    return open_ + closed


def measures_to_revisit(dbs: Session, report: Report) -> str:
    """MHA 4.2.8: revisit the safety measures as a case escalates. "risk" when a high-risk assessment, or
    "incident" when an incident, came after the home's security measures were last finished with (and none is
    open); "" otherwise."""
    security = [t for t in tasks_of(dbs, report) if t.kind == "security"]
    if not security or any(t.state in OPEN_TASK_STATES for t in security):
        return ""
    last = max(t.done_on or t.due_on for t in security)
    latest = latest_complete(dbs, report)
    if latest is not None and latest.level == "high" and latest.assessed_on > last:
        return "risk"
    incident = dbs.scalar(select(func.max(Incident.occurred_on)).where(Incident.report_id == report.id))
    return "incident" if incident is not None and incident > last else ""


def find_task(dbs: Session, report: Report, task_id: int) -> CaseTask | None:
    task = dbs.get(CaseTask, task_id)
    return task if task is not None and task.report_id == report.id else None


def is_overdue(task: CaseTask, on: date) -> bool:
    return task.state in OPEN_TASK_STATES and task.due_on < on


# Which moves change_state allows: a finished task is only reopened deliberately (`reopen`).
MOVES = {"planned": ("in_progress", "done", "not_needed"), "in_progress": ("done", "not_needed")}


def change_state(dbs: Session, report: Report, task: CaseTask, state: str, staff: StaffUser) -> None:
    """Start a task, mark it done or not needed. Marking a breathing space done or not needed closes its end
    task too (not needed: there is nothing left to act on before it ends)."""
    if state not in TASK_STATES:
        raise NotAState(state)
    if state == task.state:
        raise NoChange(state)
    if task.state not in OPEN_TASK_STATES:
        raise TaskClosed(task.state)
    if state not in MOVES[task.state]:
        raise NotBackToPlanned(f"{task.state}->{state}")
    on = today(_tz())
    audit(dbs, staff, "case.task_state", report, detail=f"{task.id} {task.kind} {task.state}->{state}")
    _set_state(task, state, staff, on)
    if task.kind == "breathing_space" and state in ("done", "not_needed"):
        for end in dbs.scalars(select(CaseTask).where(CaseTask.entry_id == task.entry_id,
                                                      CaseTask.kind == BREATHING_SPACE_END,
                                                      CaseTask.state.in_(OPEN_TASK_STATES))):
            audit(dbs, staff, "case.task_state", report, detail=f"{end.id} {end.kind} {end.state}->not_needed")
            _set_state(end, "not_needed", staff, on)
    refresh_next(dbs, report)
    dbs.commit()


def _set_state(task: CaseTask, state: str, staff: StaffUser, on: date) -> None:
    task.state, task.state_at, task.state_by = state, now(), staff.id
    if state == "in_progress":
        task.started_on = on
    elif state in ("done", "not_needed"):
        task.done_on = on
        if state == "done" and task.started_on is None:
            task.started_on = on


def reopen(dbs: Session, report: Report, task: CaseTask, staff: StaffUser) -> None:
    """Put a done or not-needed task back to planned, deliberately (it was not done after all): its done date
    goes, and it is due today if its due date has passed."""
    if task.state in OPEN_TASK_STATES:
        raise NotOpen(task.state)
    on = today(_tz())
    audit(dbs, staff, "case.task_reopened", report, detail=f"{task.id} {task.kind} {task.state}->planned")
    task.state, task.done_on, task.state_at, task.state_by = "planned", None, now(), staff.id
    task.started_on = None
    task.due_on = max(task.due_on, add_working_days(on, 0, _nation()))
    refresh_next(dbs, report)
    dbs.commit()


def reassign(dbs: Session, report: Report, task: CaseTask, owner_id: int, staff: StaffUser) -> None:
    """Give an open task to another officer or lead."""
    if task.state not in OPEN_TASK_STATES:
        raise TaskClosed(task.state)
    _owner(dbs, owner_id)
    if owner_id == task.owner_id:
        raise NoChange("owner")
    audit(dbs, staff, "case.task_owner", report, detail=f"{task.id} {task.kind} {task.owner_id}->{owner_id}")
    task.owner_id = owner_id
    refresh_next(dbs, report)
    dbs.commit()


def change_due(dbs: Session, report: Report, task: CaseTask, due_on: date, staff: StaffUser) -> None:
    """Move an open task's due date (never to before today)."""
    if task.state not in OPEN_TASK_STATES:
        raise TaskClosed(task.state)
    if due_on < today(_tz()):
        raise DueInThePast(due_on.isoformat())
    if due_on == task.due_on:
        raise NoChange("due")
    audit(dbs, staff, "case.task_due", report, detail=f"{task.id} {task.kind}")
    task.due_on = due_on
    refresh_next(dbs, report)
    dbs.commit()


MAX_COST_PENCE = 100_000_000  # a million pounds: more is a slip of the keyboard


class BadCost(TaskError):
    """A cost that is negative or too large."""


def set_cost(dbs: Session, report: Report, task: CaseTask, pence: int | None, staff: StaffUser) -> None:
    """Record what a task cost (or clear it with None), whatever its state: invoices come after the work."""
    if pence is not None and not 0 <= pence <= MAX_COST_PENCE:
        raise BadCost(str(pence))
    if pence == task.cost_pence:
        raise NoChange("cost")
    audit(dbs, staff, "case.task_cost", report,
          detail=f"{task.id} {task.kind} {'cost_set' if pence is not None else 'cost_cleared'}")
    task.cost_pence = pence
    dbs.commit()


__all__ = ["BREATHING_SPACE_END", "BadCost", "DEFAULT_TASK_DAYS", "DueInThePast", "NoChange", "NotAState", "NotAnOwner",
           "NotBackToPlanned", "NotOpen", "NotATarget", "TaskClosed", "TaskError", "TaskPlan", "change_due",
           "change_state", "default_due", "find_task", "is_overdue", "measures_to_revisit", "possible_owners",
           "reassign", "record_action", "reopen", "set_cost", "set_task_days", "task_days", "tasks_of"]
