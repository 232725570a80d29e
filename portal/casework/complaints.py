"""Complaints about how a case was handled (MHA 12.1: dealt with through the complaints process; whg 3.5; MHA 13.2:
complaints used to improve the service).

A complaint reaches us by phone, letter, e-mail, in person, from an agency, or through the reporter's receipt. Staff
record it on the case with what it is about (topic codes, and their words, sealed), who answers it and a response
deadline in working days from the day it reached us (a lead sets how many: `complaint_days`, 10 by default). One
made through the receipt arrives from the public side sealed, with no owner or deadline: `date_new` gives it the
deadline from the day it arrived, wherever the team looks (portal/casework/pending.py), and staff then give it an
owner. A complaint is open (the deadline runs) until its outcome is recorded with a sealed summary of the response:
upheld, partly upheld or not upheld (then responded, and closed later), or withdrawn (then closed). Every change is
audited (codes only) and the case's next thing is worked out again (an open complaint's deadline is one of them).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today, warn_unopened
from portal.casework.followup import refresh_next
from portal.crypto.sealing import Unopened, try_open
from portal.intake.feedback import submission_hash
from portal.intake.reports import current_sealer
from portal.store.complaint_models import (
    COMPLAINT_CHANNELS,
    COMPLAINT_OUTCOMES,
    COMPLAINT_PURPOSE,
    COMPLAINT_RESPONSE_PURPOSE,
    COMPLAINT_TOPICS,
    Complaint,
)
from portal.store.models import Report, StaffUser
from portal.store.settings import get_setting, set_setting
from portal.workdays.working_time import add_working_days

SETTING = "complaint_days"
DEFAULT_COMPLAINT_DAYS = 10
MAX_COMPLAINT_DAYS = 60
MAX_TEXT = 20_000
RESPONSES = tuple(o for o in COMPLAINT_OUTCOMES if o != "withdrawn")
OPEN = text("complaint.state = 'open'")


class ComplaintError(NotAllowed):
    """A complaint, or a change to one, that the rules do not allow."""


class NotAChannel(ComplaintError):
    """Not one of the ways a complaint reaches us."""


class NotATopic(ComplaintError):
    """Not one of the things a complaint can be about."""


class NoWords(ComplaintError):
    """A complaint (or its response) needs words: what it is about (or what we said)."""


class NotYet(ComplaintError):
    """A complaint is not received, nor answered, on a day still to come, nor answered before it was received."""


class NotAnOwner(ComplaintError):
    """Whoever answers a complaint is an active officer or team lead."""


class DueBeforeReceived(ComplaintError):
    """A response deadline is not before the day the complaint reached us."""


class NotOpen(ComplaintError):
    """Only an open complaint (not yet answered) is answered, withdrawn, given to someone or given a new deadline."""


class NotAnOutcome(ComplaintError):
    """Not one of upheld, partly upheld, not upheld or withdrawn."""


class NotAnswered(ComplaintError):
    """Only a complaint that has been answered is closed (a withdrawn one closes when it is withdrawn)."""


class NotATarget(ComplaintError):
    """The response target is a whole number of working days, from 1 to MAX_COMPLAINT_DAYS."""


@dataclass
class OpenedComplaint:
    complaint: Complaint
    recorded_by: str  # "" when the reporter made it through their receipt
    owner: str
    content: dict[str, Any]  # {"text"}; {} when it would not open
    response: dict[str, Any]  # {"text"}; {} when there is none or it would not open
    unopened: Unopened | None = None


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


def _nation() -> str:
    return str(current_app.config["NATION"])


def complaint_days(dbs: Session) -> int:
    """The working days a complaint is to be answered in: the lead's setting, or the default."""
    stored = get_setting(dbs, SETTING, "")
    return int(stored) if stored.isdigit() and 1 <= int(stored) <= MAX_COMPLAINT_DAYS else DEFAULT_COMPLAINT_DAYS


def set_complaint_days(dbs: Session, staff: StaffUser, days: int) -> bool:
    """A lead sets the working days to respond in. Returns whether it changed."""
    if not isinstance(days, int) or not 1 <= days <= MAX_COMPLAINT_DAYS:
        raise NotATarget(str(days))
    changed = days != complaint_days(dbs)
    if changed:
        set_setting(dbs, SETTING, str(days))
        audit(dbs, staff, "settings.complaint_days_changed", detail=f"days:{days}")
    dbs.commit()
    return changed


def default_due(dbs: Session, received_on: date) -> date:
    """The response deadline for a complaint received on `received_on`: the team's target in working days."""
    return add_working_days(received_on, complaint_days(dbs), _nation())


def _owner(dbs: Session, owner_id: int) -> StaffUser:
    person = dbs.get(StaffUser, owner_id)
    if person is None or not person.active or person.role not in ("officer", "lead"):
        raise NotAnOwner(str(owner_id))
    return person


def _seal(text: str, purpose: str, record_id: str) -> tuple[str, bytes]:
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    return sealer.key_id, sealer.seal_json({"text": text}, purpose, record_id)


def record_complaint(dbs: Session, report: Report, staff: StaffUser, *, channel: str, about: list[str], text: str,
                     received_on: date, language: str, owner_id: int | None = None, due_on: date | None = None,
                     submission_key: str = "") -> Complaint:
    """Record a complaint that reached us on `received_on`: owned by `owner_id` (else the case's owner, else the
    officer recording it), due on `due_on` (else the team's target in working days). The same `submission_key`
    (a double tap) records it once."""
    key_hash = submission_hash(submission_key) if submission_key else None
    if key_hash is not None:
        earlier = dbs.scalar(select(Complaint).where(Complaint.idempotency_hash == key_hash))
        if earlier is not None and earlier.report_id == report.id:
            return earlier
    if channel not in COMPLAINT_CHANNELS:
        raise NotAChannel(channel)
    if any(code not in COMPLAINT_TOPICS for code in about):
        raise NotATopic(" ".join(about))
    if not text.strip() or len(text) > MAX_TEXT:
        raise NoWords("text")
    day = today(_tz())
    if received_on > day:
        raise NotYet(received_on.isoformat())
    owner = _owner(dbs, owner_id or report.owner_id or staff.id)
    days = complaint_days(dbs)
    due = due_on or add_working_days(received_on, days, _nation())
    if due < received_on:
        raise DueBeforeReceived(due.isoformat())
    row = Complaint(id=str(uuid.uuid4()), report_id=report.id, received_on=received_on, at=now(), channel=channel,
                    about=" ".join(c for c in COMPLAINT_TOPICS if c in about),
                    language=language if language in ("en", "cy") else report.contact_language,
                    recorded_by=staff.id, owner_id=owner.id, due_on=due, target_days=days, state="open", outcome="",
                    announced=True, idempotency_hash=key_hash)
    row.key_id, row.sealed = _seal(text, COMPLAINT_PURPOSE, row.id)
    dbs.add(row)
    audit(dbs, staff, "case.complaint_recorded", report, detail=" ".join([channel, *row.about.split()]))
    try:
        dbs.flush()
    except IntegrityError:  # a double tap got there first, a moment ago
        dbs.rollback()
        earlier = dbs.scalar(select(Complaint).where(Complaint.idempotency_hash == key_hash))
        if earlier is None:
            raise
        return earlier
    refresh_next(dbs, report)
    dbs.commit()
    return row


def _must_be_open(complaint: Complaint) -> None:
    if complaint.state != "open":
        raise NotOpen(complaint.state)


def set_owner(dbs: Session, report: Report, complaint: Complaint, staff: StaffUser, owner_id: int) -> bool:
    """Give an open complaint to someone to answer. Returns whether it changed."""
    _must_be_open(complaint)
    _owner(dbs, owner_id)
    if owner_id == complaint.owner_id:
        return False
    audit(dbs, staff, "case.complaint_owner", report, detail=f"staff:{owner_id}")
    complaint.owner_id = owner_id
    dbs.commit()
    return True


def set_due(dbs: Session, report: Report, complaint: Complaint, staff: StaffUser, due_on: date) -> bool:
    """Move an open complaint's response deadline (never to before it reached us). Returns whether it changed."""
    _must_be_open(complaint)
    if due_on < complaint.received_on:
        raise DueBeforeReceived(due_on.isoformat())
    if due_on == complaint.due_on:
        return False
    audit(dbs, staff, "case.complaint_due", report, detail=f"until:{due_on.isoformat()}")
    complaint.due_on = due_on
    refresh_next(dbs, report)
    dbs.commit()
    return True


def record_outcome(dbs: Session, report: Report, complaint: Complaint, staff: StaffUser, outcome: str, summary: str,
                   on: date | None = None) -> None:
    """The response to an open complaint (upheld, partly upheld, not upheld: it is then responded) or its
    withdrawal (then closed), on `on` (today unless given), with a sealed summary of what we said or what happened."""
    _must_be_open(complaint)
    if outcome not in COMPLAINT_OUTCOMES:
        raise NotAnOutcome(outcome)
    if not summary.strip() or len(summary) > MAX_TEXT:
        raise NoWords("summary")
    day = on or today(_tz())
    if day > today(_tz()) or day < complaint.received_on:
        raise NotYet(day.isoformat())
    complaint.response_key_id, complaint.response_sealed = _seal(summary, COMPLAINT_RESPONSE_PURPOSE, complaint.id)
    complaint.outcome = outcome
    if outcome == "withdrawn":
        complaint.state, complaint.closed_on = "closed", day
        audit(dbs, staff, "case.complaint_withdrawn", report)
    else:
        complaint.state, complaint.responded_on = "responded", day
        in_time = complaint.due_on is not None and day <= complaint.due_on
        audit(dbs, staff, "case.complaint_responded", report, detail=f"{outcome} {'on_time' if in_time else 'late'}")
    refresh_next(dbs, report)
    dbs.commit()


def close_complaint(dbs: Session, report: Report, complaint: Complaint, staff: StaffUser) -> None:
    """Close a complaint that has been answered (the matter is finished, or its time to take it further is over)."""
    if complaint.state != "responded":
        raise NotAnswered(complaint.state)
    complaint.state, complaint.closed_on = "closed", today(_tz())
    audit(dbs, staff, "case.complaint_closed", report, detail=complaint.outcome)
    dbs.commit()


def date_new(dbs: Session) -> int:
    """Give each complaint made through a receipt, not yet dated, its response deadline from the day it arrived,
    and work out its case's next thing again. Part of the caller's transaction; returns how many."""
    # Written as the partial index is (a literal, not a bound parameter), so that it answers this on every page.
    fresh = list(dbs.scalars(select(Complaint).where(OPEN, Complaint.due_on.is_(None))))
    if not fresh:
        return 0
    days = complaint_days(dbs)
    for complaint in fresh:
        complaint.due_on = add_working_days(complaint.received_on, days, _nation())
        complaint.target_days = days
        report = dbs.get(Report, complaint.report_id)
        if report is not None:
            refresh_next(dbs, report)
    return len(fresh)


def is_overdue(complaint: Complaint, on: date) -> bool:
    return complaint.state == "open" and complaint.due_on is not None and complaint.due_on < on


def find_complaint(dbs: Session, report: Report, complaint_id: str) -> Complaint | None:
    complaint = dbs.get(Complaint, complaint_id)
    return complaint if complaint is not None and complaint.report_id == report.id else None


def complaints_of(dbs: Session, report: Report) -> list[Complaint]:
    """The case's complaints: open ones first by deadline, then the others, the newest first."""
    found = list(dbs.scalars(select(Complaint).where(Complaint.report_id == report.id).order_by(Complaint.at)))
    waiting = sorted((c for c in found if c.state == "open"), key=lambda c: (c.due_on or date.max, c.at))
    return waiting + sorted((c for c in found if c.state != "open"), key=lambda c: c.at, reverse=True)


def opened(dbs: Session, complaints: list[Complaint]) -> list[OpenedComplaint]:
    """The complaints with their words and responses opened: call this only after `open_case` has audited the
    opening."""
    if not complaints:
        return []
    keys = opener()
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    found = []
    for complaint in complaints:
        sealed = try_open(keys, complaint.sealed, COMPLAINT_PURPOSE, complaint.id)
        warn_unopened("complaint", sealed)
        response: bytes | Unopened = b"{}"
        if complaint.response_sealed is not None:
            response = try_open(keys, complaint.response_sealed, COMPLAINT_RESPONSE_PURPOSE, complaint.id)
            warn_unopened("complaint's response", response)
        problem = sealed if isinstance(sealed, Unopened) else response if isinstance(response, Unopened) else None
        found.append(OpenedComplaint(complaint, names.get(complaint.recorded_by or 0, ""),
                                     names.get(complaint.owner_id or 0, ""), opened_json(sealed),
                                     opened_json(response), problem))
    return found


def waiting(dbs: Session, hidden: list[str], day: date) -> tuple[int, int]:
    """How many complaints wait for a response, and how many of those are overdue (on cases this member of staff
    may see)."""
    query = select(func.count()).select_from(Complaint).where(Complaint.state == "open")
    if hidden:
        query = query.where(Complaint.report_id.not_in(hidden))
    return dbs.scalar(query) or 0, dbs.scalar(query.where(Complaint.due_on < day)) or 0


def open_list(dbs: Session, hidden: list[str], limit: int = 200) -> list[tuple[Complaint, str]]:
    """Complaints waiting for a response, soonest deadline first, with their case's reference."""
    query = (select(Complaint, Report.reference).join(Report, Report.id == Complaint.report_id)
             .where(Complaint.state == "open").order_by(Complaint.due_on, Complaint.at).limit(limit))
    if hidden:
        query = query.where(Complaint.report_id.not_in(hidden))
    return [(row[0], row[1]) for row in dbs.execute(query)]
