"""What is next on a case after first contact: its review date (from its risk level) and the earliest open task,
review, monitoring check-in or complaint's response deadline, kept on the report (`next_due`, `next_kind`) so that
the queue sorts on it without a join. Every service that adds or changes a task, a review, a check-in, a complaint,
the risk level or the contact clock calls `refresh_next`."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.common import today
from portal.store.complaint_models import Complaint
from portal.store.followup_models import OPEN_TASK_STATES, CaseReview, CaseTask, MonitorCheckin
from portal.store.models import Report
from portal.workdays.working_time import add_working_days

DEFAULT_REVIEW_DAYS = {"high": 7, "medium": 14, "standard": 30}


def review_interval(risk_level: str, config: Mapping[str, Any] | None = None) -> int:
    """Calendar days between reviews for a risk level (a case not yet assessed is reviewed as standard)."""
    days = dict(DEFAULT_REVIEW_DAYS, **(config or current_app.config).get("REVIEW_DAYS", {}))
    return days.get(risk_level or "standard", days["standard"])


def review_after(day: date, risk_level: str) -> date:
    """The next review date after `day`: the interval for the risk level, on a working day."""
    config = current_app.config
    return add_working_days(day + timedelta(days=review_interval(risk_level, config)), 0, config["NATION"])


def start_of(day: date) -> datetime:
    """The start of a day where the team works, as a UTC moment (the queue's sort key)."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _local_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def review_basis(dbs: Session, report: Report) -> date | None:
    """The day the review interval runs from: the last review, else the day the first-contact clock stopped."""
    last = dbs.scalar(select(func.max(CaseReview.reviewed_on)).where(CaseReview.report_id == report.id))
    return last or _local_day(report.first_contact_at) or _local_day(report.triaged_at)


def _review_date(dbs: Session, report: Report) -> date:
    """The review date the risk level allows: never later than one interval after the basis day (so a case that
    becomes high risk is reviewed sooner, MHA 4.2.8), never before today (an escalation makes a review due now,
    not one that was missed), and an earlier date already set (an officer's choice) is kept."""
    day = today(current_app.config["TIMEZONE"])
    basis = review_basis(dbs, report) or day
    latest = max(day, review_after(basis, report.risk_level))
    if report.next_review_on is None or report.next_review_on > latest:
        return latest
    return report.next_review_on


def refresh_next(dbs: Session, report: Report) -> None:
    """Work out what is next on a case and keep it on the report. Before first contact the model keeps first
    contact as next. After it, an open case always has a review date (set here if it has none, brought forward
    if the risk level now asks for a shorter interval); a closed case under monitoring has its next check-in; and
    either may have a complaint's response deadline."""
    if not report.contacted:
        return
    candidates: list[tuple[date, str]] = []
    if report.is_open:
        report.next_review_on = _review_date(dbs, report)
        candidates.append((report.next_review_on, "review"))
        task = dbs.execute(select(CaseTask.due_on, CaseTask.kind)
                           .where(CaseTask.report_id == report.id, CaseTask.state.in_(OPEN_TASK_STATES))
                           .order_by(CaseTask.due_on, CaseTask.id).limit(1)).first()
        if task is not None:
            candidates.append((task.due_on, task.kind))
    else:
        checkin = dbs.scalar(select(func.min(MonitorCheckin.due_on))
                             .where(MonitorCheckin.report_id == report.id, MonitorCheckin.state == "due"))
        if checkin is not None:
            candidates.append((checkin, "checkin"))
    complaint = dbs.scalar(select(func.min(Complaint.due_on)).where(Complaint.report_id == report.id,
                                                                    Complaint.state == "open"))
    if complaint is not None:  # a complaint's response deadline, on an open case or a closed one
        candidates.append((complaint, "complaint"))
    if candidates:
        on, kind = min(candidates, key=lambda c: (c[0], c[1] != "review"))
        report.next_due, report.next_kind = start_of(on), kind
    else:
        report.next_kind = ""
