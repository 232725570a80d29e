"""Retention and rights (MHA 9.6): open cases with no activity for a lead's decision; erasure of a case on request,
with the safeguarding exception recorded and a lead's approval; and a subject access export of one case.

A request to erase is a sealed case entry of kind `erasure` (code `requested`; `flag` set when a safeguarding
exception applies: a child or adult at risk, a live risk, MARAC, court or police action that needs the record),
so it sits in the case file with everything else. A team lead decides: to keep the case (code `kept`, with a
reason, sealed), or, when no exception was recorded, to erase it. Erasing leaves what `portal purge` leaves: a
count in `purged_tally` (month received, kind of reporter, reason `erased`) and the audit trail, which names
who asked for it and who approved it, never why."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.casework.cases import add_entry
from portal.casework.common import NotAllowed, audit, now
from portal.casework.retention import delete_cases
from portal.store.models import AuditEvent, CaseEntry, Report, StaffUser
from portal.store.settings import get_setting

REQUESTERS = ("person", "reporter", "representative")
MAX_TEXT = 4000
MIN_INACTIVE_DAYS = 30
DEFAULT_INACTIVE_DAYS = 180
INACTIVE_SETTING = "inactive_days"  # a lead's setting (Settings): after how long an open case is listed


def inactive_days(dbs: Session) -> int:
    """After how many days with no activity an open case is listed for a lead's decision (the team's setting)."""
    try:
        return max(MIN_INACTIVE_DAYS, int(get_setting(dbs, INACTIVE_SETTING, str(DEFAULT_INACTIVE_DAYS))))
    except ValueError:
        return DEFAULT_INACTIVE_DAYS
# Looking at a case, or the portal indexing it, is not activity on it.
NOT_ACTIVITY = ("case.opened", "case.refused", "report.opened", "report.indexed", "marac.pack_exported",
                "case.subject_access_exported")


class ExceptionNeedsReason(ValueError):
    """A safeguarding exception was recorded without saying what it is."""


class NoRequest(LookupError):
    """The case has no request to erase it waiting for a decision."""


class ExceptionApplies(PermissionError):
    """A safeguarding exception was recorded on the request: the case is kept, not erased."""


class KeepNeedsReason(ValueError):
    """Keeping a case a person asked us to erase needs a reason they can be told."""


@dataclass(frozen=True)
class Inactive:
    report: Report
    last_activity: datetime


def pending(dbs: Session, report: Report) -> CaseEntry | None:
    """The request waiting for a lead's decision, if any: the latest `requested` with no decision after it."""
    latest = dbs.scalars(select(CaseEntry).where(CaseEntry.report_id == report.id, CaseEntry.kind == "erasure")
                         .order_by(CaseEntry.at.desc()).limit(1)).first()
    return latest if latest is not None and latest.code == "requested" else None


def request(dbs: Session, report: Report, staff: StaffUser, *, requested_by: str, received_on: date,
            exception: bool, exception_reason: str, note: str) -> CaseEntry:
    """Record a request to erase the case and whether a safeguarding exception applies (a reason if so)."""
    if requested_by not in REQUESTERS:
        raise NotAllowed("unknown requester")
    if exception and not exception_reason.strip():
        raise ExceptionNeedsReason()
    entry = add_entry(dbs, report, staff, "erasure", {
        "requested_by": requested_by, "received_on": received_on.isoformat(),
        "exception_reason": exception_reason.strip()[:MAX_TEXT] if exception else "", "text": note.strip()[:MAX_TEXT]},
        code="requested", commit=False)
    entry.flag = exception  # add_entry audited it as case.erasure_added, "requested"
    dbs.commit()
    return entry


def keep(dbs: Session, report: Report, lead: StaffUser, reason: str) -> None:
    """A lead decides to keep the case (the exception, or another lawful reason to keep it), with the reason."""
    _lead_only(lead)
    waiting = pending(dbs, report)
    if waiting is None:
        raise NoRequest(report.reference)
    if not reason.strip():
        raise KeepNeedsReason()
    add_entry(dbs, report, lead, "erasure", {"text": reason.strip()[:MAX_TEXT]}, code="kept")  # audited: "kept"


def erase(dbs: Session, report: Report, lead: StaffUser, tz: str) -> str:
    """A lead approves the request: the case and everything in it is deleted, leaving a count and the audit
    trail. Refused when a safeguarding exception was recorded. Returns the case's reference."""
    _lead_only(lead)
    waiting = pending(dbs, report)
    if waiting is None:
        raise NoRequest(report.reference)
    if waiting.flag:
        raise ExceptionApplies(report.reference)
    reference, requester = report.reference, f"staff:{waiting.staff_id}"
    audit(dbs, lead, "case.erased", report, detail=f"requested_by:{requester}")
    delete_cases(dbs, [report], ZoneInfo(tz), reason="erased")
    dbs.commit()
    return reference


def _lead_only(staff: StaffUser) -> None:
    if staff.role != "lead":
        raise NotAllowed("only a team lead decides on erasure")


def inactive(dbs: Session, days: int, *, at: datetime | None = None, limit: int = 200) -> list[Inactive]:
    """Open cases received before the cutoff with nothing done on them since (looking is not doing), oldest
    activity first. A case's activity is its audit trail: every change to a case is audited."""
    cutoff = (at or now()) - timedelta(days=max(MIN_INACTIVE_DAYS, days))
    active = exists().where(AuditEvent.report_id == Report.id, AuditEvent.at >= cutoff,
                            AuditEvent.action.not_in(NOT_ACTIVITY))
    reports = dbs.scalars(select(Report).where(Report.is_open.is_(True), Report.received_at < cutoff, ~active)
                          .order_by(Report.received_at).limit(limit)).all()
    found = []
    for report in reports:
        last = dbs.scalar(select(AuditEvent.at).where(AuditEvent.report_id == report.id,
                                                      AuditEvent.action.not_in(NOT_ACTIVITY))
                          .order_by(AuditEvent.at.desc()).limit(1))
        found.append(Inactive(report, _aware(last or report.received_at)))
    return sorted(found, key=lambda i: i.last_activity)


def waiting_requests(dbs: Session) -> list[tuple[Report, CaseEntry]]:
    """Every case with a request to erase it waiting for a decision, oldest first."""
    rows = dbs.execute(select(Report, CaseEntry).join(CaseEntry, CaseEntry.report_id == Report.id)
                       .where(CaseEntry.kind == "erasure").order_by(CaseEntry.at)).all()
    latest: dict[str, tuple[Report, CaseEntry]] = {}
    for report, entry in rows:
        latest[report.id] = (report, entry)
    return [(r, e) for r, e in latest.values() if e.code == "requested"]


def subject_access(report: Report, opened: Any, attempts: list[Any]) -> dict[str, Any]:
    """What the case holds, for a subject access request: the report's answers, the current safe-contact
    profiles, every case entry, each contact attempt and the conversation, with the plain facts of the case.
    For a person to review before it is released (third parties' details may need to be removed first)."""
    def when(moment: datetime | None) -> str | None:
        return _aware(moment).isoformat() if moment else None

    conversation = opened.conversation
    return {
        "reference": report.reference, "received_at": when(report.received_at), "status": report.status,
        "closed_at": when(report.closed_at), "channel": report.channel, "reporter_kind": report.reporter_kind,
        "contact_language": report.contact_language, "risk_level": report.risk_level,
        "answers": opened.content.get("answers", {}),
        # Equality monitoring answers are held only until they are counted (portal/casework/equality.py).
        **({"equality_monitoring": opened.content["equality"]} if "equality" in opened.content else {}),
        "profiles": {about: profile.answers for about, profile in opened.profiles.items()},
        "entries": [{"at": when(e.entry.at), "kind": e.entry.kind, "code": e.entry.code, "by": e.staff_name,
                     "content": e.content} for e in opened.entries],
        "contact_attempts": [{"at": when(a.at), "party": a.party, "method": a.method, "outcome": a.outcome}
                             for a, *_rest in attempts],
        "messages": [{"at": when(m.at), "from": "reporter" if m.from_reporter else m.staff_name or "team",
                      "language": m.language, "text": m.text}
                     for m in (conversation.messages if conversation else [])],
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
