"""The triage queue: what to show, in what order, filtered how. Never decrypts anything.

Order (one index, `ix_report_queue`, serves it): someone in danger now first, then children, then the rest;
within each, reports still waiting for first contact first, soonest deadline first; then contacted cases by what
is next on each (`next_due`: the earliest open task, review or check-in), so overdue ones come first.

Follow-up filters: "my tasks due" (an open task I own due today or before: ix_case_task_owner_open), "reviews
overdue" (ix_report_review), "breathing spaces ending" (an open breathing-space end task due within
BREATHING_SPACE_WINDOW working days, or overdue: ix_case_task_kind_open) and "monitored" (closed cases still
monitored: ix_report_monitored, whose order it has: monitoring that ends soonest first, as no index holds the
queue's order for closed cases and sorting every monitored case for each page would not stay quick).

The count selects a constant, not the id: then an index that answers the filter answers the count by itself.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVarTuple
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, literal_column, select, text, update
from sqlalchemy.orm import Session, defer

from portal.intake.conversations import waiting_reports_query
from portal.store.db import changed
from portal.store.followup_models import OPEN_TASK_STATES, CaseTask
from portal.store.models import ContactProfile, Report, StaffUser
from portal.workdays.working_time import add_working_days

STATUSES = ("new", "contact_attempted", "in_contact", "assessed", "case_open", "closed")
OPEN_STATUSES = STATUSES[:-1]
KINDS = ("self", "concerned", "agency", "staff")
FLAGS = ("danger", "children", "no_contact", "messages", "profile", "out_of_hours")
FOLLOW = ("my_tasks", "reviews_overdue", "breathing_space", "monitored")
BREATHING_SPACE_END = "breathing_space_end"
BREATHING_SPACE_WINDOW = 10  # working days ahead that "breathing spaces ending" looks
# Open tasks, written as the partial indexes on case_task are (literals, not bound parameters): only then can
# SQLite (and PostgreSQL's generic plans) prove that ix_case_task_owner_open / ix_case_task_kind_open apply.
OPEN_TASK = text("case_task.state IN (" + ", ".join(f"'{state}'" for state in OPEN_TASK_STATES) + ")")
PAGE_SIZE = 50
# Counting stops here: walking 950,000 closed cases to print an exact total costs 30-100 ms and tells
# nobody anything; "more than 10,000" does. (Measured with benchmarks/queue.py.)
COUNT_CAP = 10_000


_Row = TypeVarTuple("_Row")


class AlreadyClaimed(Exception):
    """Someone else claimed the report first."""


@dataclass
class QueueFilter:
    """The queue's filters, read from and written to the query string so any view can be bookmarked."""

    owner: str = ""  # "" anyone | "mine" | "none"
    overdue: bool = False
    status: str = ""  # "" = every open status
    kind: str = ""
    flags: list[str] = field(default_factory=list)
    language: str = ""
    follow: list[str] = field(default_factory=list)  # FOLLOW
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> QueueFilter:
        def pick(name: str, allowed: Iterable[str]) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""
        try:
            page = max(1, min(int(args.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        return cls(owner=pick("owner", ("mine", "none")), overdue=args.get("overdue") == "1",
                   status=pick("status", STATUSES), kind=pick("kind", KINDS),
                   flags=[f for f in FLAGS if f in args.getlist("flag")], language=pick("language", ("en", "cy")),
                   follow=[x for x in FOLLOW if x in args.getlist("follow")], page=page)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this view (with `changes`), leaving out the defaults."""
        values = {"owner": self.owner, "overdue": "1" if self.overdue else "", "status": self.status,
                  "kind": self.kind, "flag": self.flags, "language": self.language,
                  "follow": self.follow,
                  "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.owner or self.overdue or self.status or self.kind or self.flags or self.language
                    or self.follow)


def _day_of(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _open_tasks() -> Any:
    return select(CaseTask.report_id).where(OPEN_TASK)


def _filtered(query: Select[*_Row], f: QueueFilter, staff_id: int, now: datetime,
              hidden: Sequence[str] = ()) -> Select[*_Row]:
    if hidden:  # restricted cases this member of staff may not see (few; see casework/restriction.py)
        query = query.where(Report.id.not_in(list(hidden)))
    if f.status:
        query = query.where(Report.status == f.status)
    elif "messages" in f.flags or "profile" in f.flags:
        pass  # a reporter's new message (or new way to reach them) needs reading even on a closed case
    elif "monitored" in f.follow:
        pass  # closed cases only: reopening a case ends its monitoring (cases.change_status clears monitor_until)
    else:
        query = query.where(Report.is_open == True)  # noqa: E712  ("=", not "IS": SQLite plans "=" better)
    if f.owner == "mine":
        query = query.where(Report.owner_id == staff_id)
    elif f.owner == "none":
        query = query.where(Report.owner_id.is_(None))
    if f.overdue:
        query = query.where(Report.is_open == True, Report.contacted == False,  # noqa: E712
                            Report.first_contact_due < now)
    if f.kind:
        query = query.where(Report.reporter_kind == f.kind)
    if f.language:
        query = query.where(Report.contact_language == f.language)
    if "danger" in f.flags:
        query = query.where(Report.danger_now.is_(True))
    if "children" in f.flags:
        query = query.where(Report.children.is_(True))
    if "no_contact" in f.flags:
        query = query.where(Report.no_contact.is_(True))
    if "messages" in f.flags:
        query = query.where(Report.id.in_(waiting_reports_query()))
    if "profile" in f.flags:
        query = query.where(Report.id.in_(changed_profiles_query()))
    if "out_of_hours" in f.flags:
        query = query.where(Report.out_of_hours.is_(True))
    if f.follow:
        query = _follow_up(query, f, staff_id, _day_of(now))
    return query


def _follow_up(query: Select[*_Row], f: QueueFilter, staff_id: int, day: date) -> Select[*_Row]:
    if "my_tasks" in f.follow:
        query = query.where(Report.id.in_(_open_tasks().where(CaseTask.owner_id == staff_id, CaseTask.due_on <= day)))
    if "reviews_overdue" in f.follow:
        query = query.where(Report.is_open == True, Report.next_review_on < day)  # noqa: E712
    if "breathing_space" in f.follow:
        until = add_working_days(day, BREATHING_SPACE_WINDOW, current_app.config["NATION"])
        query = query.where(Report.id.in_(_open_tasks().where(CaseTask.kind == BREATHING_SPACE_END,
                                                               CaseTask.due_on <= until)))
    if "monitored" in f.follow:
        query = query.where(Report.monitor_until >= day)
    return query


def changed_profiles_query() -> Any:
    """Reports whose reporter changed how to contact them, and no caseworker has seen it yet."""
    return select(ContactProfile.report_id).where(ContactProfile.seen.is_(False))


def changed_among(dbs: Session, report_ids: list[str]) -> set[str]:
    if not report_ids:
        return set()
    return set(dbs.scalars(changed_profiles_query().where(ContactProfile.report_id.in_(report_ids))))


def queue_page(dbs: Session, f: QueueFilter, staff_id: int, now: datetime, page_size: int = PAGE_SIZE,
               hidden: Sequence[str] = ()) -> tuple[list[tuple[Report, str | None]], int]:
    """One page of the queue (each report with its owner's name) and how many reports match in all, up to
    COUNT_CAP + 1 (a total above COUNT_CAP means "more than COUNT_CAP"). `hidden`: the restricted cases this
    member of staff may not see (`casework.restriction.hidden_ids`)."""
    query = _filtered(select(Report, StaffUser.name).outerjoin(StaffUser, Report.owner_id == StaffUser.id),
                      f, staff_id, now, hidden)
    # The sealed report is never shown here: leaving it out keeps ~1.5 kB per row out of the sort.
    query = query.options(defer(Report.sealed))
    if "monitored" in f.follow and not f.status:
        query = query.order_by(Report.monitor_until, Report.id)
    else:
        query = query.order_by(Report.band, Report.contacted, Report.next_due, Report.id)
    rows = dbs.execute(query.limit(page_size).offset((f.page - 1) * page_size)).all()
    matching = _filtered(select(literal_column("1")).select_from(Report), f, staff_id, now,
                         hidden).limit(COUNT_CAP + 1).subquery()
    total = dbs.scalar(select(func.count()).select_from(matching)) or 0
    return [(row[0], row[1]) for row in rows], total


def claim(dbs: Session, report_id: str, staff_id: int) -> None:
    """Take an unowned report. A single conditional UPDATE: of two officers at once, exactly one wins."""
    result = dbs.execute(update(Report).where(Report.id == report_id, Report.owner_id.is_(None))
                         .values(owner_id=staff_id))
    if changed(result) != 1:
        dbs.rollback()
        raise AlreadyClaimed(report_id)


def assign(dbs: Session, report_ids: list[str], owner_id: int | None) -> int:
    """Give reports to a member of staff (or nobody). Returns how many changed."""
    result = dbs.execute(update(Report).where(Report.id.in_(report_ids)).values(owner_id=owner_id))
    return changed(result)
