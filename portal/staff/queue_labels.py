"""What the queue says is next on each contacted case ("Review due 9 Dec 2026", "Task: New or stronger locks due
4 Dec 2026"), and the names of its follow-up filters. Task kinds are looked up defensively: a kind added later
without a name here still shows, as "Task"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.casework.common import aware
from portal.staff import forms_case as fc
from portal.store.models import Report

FOLLOW_NAMES = {"my_tasks": _l("My tasks due"), "reviews_overdue": _l("Reviews overdue"),
                "breathing_space": _l("Breathing spaces ending"), "monitored": _l("Monitored after closing")}
KIND_NAMES = {"breathing_space_end": _l("Breathing space ends")}
SUB_NAMES = {"referral": fc.REFERRAL_NAMES, "rehousing": fc.REHOUSING_NAMES, "perpetrator": fc.PERPETRATOR_NAMES,
             "security": fc.MEASURE_NAMES}


@dataclass(frozen=True)
class Next:
    kind: str  # "review" | "checkin" | "complaint" | "task"
    name: str  # the task's name ("" for a review or check-in)
    on: date
    overdue: bool


def task_name(kind: str) -> str:
    """A task kind's name: "security.locks" is its measure, "referral.idva" its referral, "security" the
    action; a kind nobody named yet is just "a task" (the caller says "Task")."""
    if kind in KIND_NAMES:
        return str(KIND_NAMES[kind])
    head, _dot, sub = kind.partition(".")
    names = SUB_NAMES.get(head, {})
    if sub and sub in names:
        return str(names[sub])
    if head in fc.ACTION_NAMES:
        return str(fc.ACTION_NAMES[head])
    return ""


def next_of(report: Report, tz: str, today: date) -> Next | None:
    """What is next on a contacted case, or None before first contact (the clock says that) or when nothing is."""
    if not report.contacted or not report.next_kind or report.next_due is None:
        return None
    on = aware(report.next_due).astimezone(ZoneInfo(tz)).date()
    if report.next_kind in ("review", "checkin", "complaint"):
        return Next(report.next_kind, "", on, on < today)
    return Next("task", task_name(report.next_kind), on, on < today)
