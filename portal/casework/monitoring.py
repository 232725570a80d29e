"""Monitoring after closure (Plus Dane 15): a closed case may keep check-in dates (by default MONITORING_DAYS after
closing). Each check-in starts with "is it safe to contact them now?" against the current safe-contact profile and
the cases linked to it; a check-in that contacted them (or tried) goes through the same safe-contact rules as any
contact (portal/casework/contact.py record_contact). Revisiting can itself be risky: a check-in may instead be done
from the records only, or skipped with a reason (sealed). `Report.monitor_until` is the last check-in still due;
when none is due, monitoring has ended (it is None) and the case may be purged as usual."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today
from portal.casework.contact import Profile, options, record_contact
from portal.casework.followup import refresh_next
from portal.casework.restriction import hidden_ids
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.followup_models import CHECKIN_PURPOSE, MonitorCheckin
from portal.store.models import CaseLink, Report, StaffUser
from portal.store.risk_models import Incident

# What a check-in found. The first four mean we contacted them (or tried to): they need the safety check and one
# of the current profile's ways. "message_left" on a call is a voicemail, refused unless they agreed to one.
# "records_only": checked the records and linked cases, did not contact them.
OUTCOMES = ("well", "concern", "no_answer", "message_left", "records_only")
CONTACTED = frozenset({"well", "concern", "no_answer", "message_left"})
MAX_CHECKINS = 6
MAX_DAYS = 366  # a check-in more than a year after today is not monitoring
MAX_TEXT = 20_000
RECENT_DAYS = 365  # incidents shown on a check-in page: the last year, on this case and the cases linked to it
IN_WRITING = frozenset({"text", "email", "letter"})


class NotClosed(NotAllowed):
    """Monitoring after closure is for a closed case."""


class BadDates(NotAllowed):
    """No check-in date, a date in the past or too far ahead, or too many dates."""


class NotSafeChecked(NotAllowed):
    """Contacting them needs the officer to confirm, first, that it is safe to contact them now."""


class NeedsMethod(NotAllowed):
    """Contacting them needs the way used: one of their current safe ways."""


class SkipNeedsReason(NotAllowed):
    """Skipping a check-in needs a reason."""


class LinkedCaseOpen(NotAllowed):
    """A case linked to this one is open: contact goes through that case, under its own (newer) safe-contact
    profile, not from an old closed case's; a check-in here may only look at the records, or be skipped."""


class NotDue(NotAllowed):
    """This check-in is already done or skipped."""


@dataclass(frozen=True)
class Linked:
    reference: str
    status: str
    is_open: bool


@dataclass(frozen=True)
class Context:
    """What the check-in page shows before anything is recorded (codes and dates only)."""

    linked_open: list[Linked]
    incidents: list[tuple[date, bool, str]]  # occurred on, police called out, which case (reference)


def default_dates(closed_on: date) -> list[date]:
    return [closed_on + timedelta(days=int(d)) for d in current_app.config.get("MONITORING_DAYS", (28, 91))]


def _clean(dates: Iterable[date], on: date) -> list[date]:
    chosen = sorted(set(dates))
    if not chosen or len(chosen) > MAX_CHECKINS:
        raise BadDates("count")
    if chosen[0] < on or chosen[-1] > on + timedelta(days=MAX_DAYS):
        raise BadDates("range")
    return chosen


def check_dates(dates: Iterable[date]) -> list[date]:
    """The dates, sorted, if they can be check-in dates (BadDates otherwise): check them before closing."""
    return _clean(dates, today(current_app.config["TIMEZONE"]))


def still_ahead(dates: Iterable[date]) -> list[date] | None:
    """Dates chosen before a lead signed the closure off: those not yet passed (None: all passed, use defaults)."""
    on = today(current_app.config["TIMEZONE"])
    return [d for d in dates if d >= on] or None


def checkins(dbs: Session, report: Report) -> list[MonitorCheckin]:
    return list(dbs.scalars(select(MonitorCheckin).where(MonitorCheckin.report_id == report.id)
                            .order_by(MonitorCheckin.due_on, MonitorCheckin.id)))


def keep_until(dbs: Session, report: Report) -> None:
    """monitor_until = the last check-in still due (None: monitoring has ended or was never set)."""
    report.monitor_until = dbs.scalar(select(func.max(MonitorCheckin.due_on)).where(
        MonitorCheckin.report_id == report.id, MonitorCheckin.state == "due"))


def set_monitoring(dbs: Session, report: Report, staff: StaffUser, dates: Iterable[date] | None = None, *,
                   commit: bool = True) -> list[MonitorCheckin]:
    """Keep an eye on a closed case: check-ins on `dates` (default: MONITORING_DAYS after closing, or after today
    if those have passed). Dates already chosen and still due are replaced; check-ins done or skipped stay."""
    if report.is_open:
        raise NotClosed(report.reference)
    on = today(current_app.config["TIMEZONE"])
    if dates is None:
        closed_on = report.closed_at.date() if report.closed_at else on
        dates = [d for d in default_dates(closed_on) if d >= on] or default_dates(on)
    chosen = _clean(dates, on)
    dbs.execute(delete(MonitorCheckin).where(MonitorCheckin.report_id == report.id, MonitorCheckin.state == "due"))
    rows = [MonitorCheckin(id=str(uuid.uuid4()), report_id=report.id, due_on=d, state="due") for d in chosen]
    dbs.add_all(rows)
    dbs.flush()
    keep_until(dbs, report)
    audit(dbs, staff, "case.monitoring_set", report, detail=f"checkins:{len(chosen)} until:{chosen[-1].isoformat()}")
    refresh_next(dbs, report)
    if commit:
        dbs.commit()
    return rows


def get_checkin(dbs: Session, report: Report, checkin_id: str) -> MonitorCheckin | None:
    row = dbs.get(MonitorCheckin, checkin_id)
    return row if row is not None and row.report_id == report.id else None


def ways(report: Report, profiles: dict[str, Profile]) -> list[tuple[str, str]]:
    """The ways a check-in may reach the person: their current safe ways (directly, or the go-between they
    asked for), as contact.py allows them. The reporter is not the person being checked on."""
    return [(p, m) for p, m in options(report, profiles) if p in ("person", "go_between")]


def _contact_outcome(outcome: str, method: str) -> str:
    if method in IN_WRITING and outcome in ("no_answer", "message_left"):
        return "message_sent"
    return {"no_answer": "no_answer", "message_left": "voicemail"}.get(outcome, "spoke")


def _finish(dbs: Session, report: Report, row: MonitorCheckin, staff: StaffUser, state: str, content: dict[str, str],
            action: str, detail: str) -> None:
    sealer = current_sealer()
    row.state, row.at, row.staff_id, row.key_id = state, now(), staff.id, sealer.key_id
    row.sealed = sealer.seal_json(content, CHECKIN_PURPOSE, row.id)
    dbs.flush()
    keep_until(dbs, report)
    ended = report.monitor_until is None
    audit(dbs, staff, action, report, detail=detail + (" ended" if ended else ""))
    refresh_next(dbs, report)
    dbs.commit()


def record_checkin(dbs: Session, report: Report, staff: StaffUser, row: MonitorCheckin,
                   profiles: dict[str, Profile], *, safe_checked: bool, outcome: str, method: str = "",
                   notes: str = "", reason: str = "") -> None:
    """Record a check-in. One that contacted them needs `safe_checked` and a way ("party:method") among their
    current safe ways; it is logged as a contact attempt under the same rules (voicemail, safe windows: `reason`
    if now is outside them). Raises NotDue, NotSafeChecked, NeedsMethod or contact.py's refusals."""
    if row.state != "due":
        raise NotDue(row.id)
    if report.is_open:
        raise NotClosed(report.reference)
    if outcome not in OUTCOMES:
        raise NotAllowed("unknown outcome")
    detail = outcome
    if outcome in CONTACTED:
        if not safe_checked:
            raise NotSafeChecked()
        if open_links(dbs, report):
            raise LinkedCaseOpen(report.reference)
        party, _, way = method.partition(":")
        if (party, way) not in ways(report, profiles):
            raise NeedsMethod(method)
        record_contact(dbs, report, staff, profiles, party=party, method=way, outcome=_contact_outcome(outcome, way),
                       profile_checked=True, reason=reason, tz=current_app.config["TIMEZONE"], commit=False)
        detail = f"{outcome} {party}:{way}"
    row.safe_checked, row.outcome = bool(safe_checked), outcome
    _finish(dbs, report, row, staff, "done", {"notes": notes.strip()[:MAX_TEXT]}, "case.checkin_done", detail)


def skip_checkin(dbs: Session, report: Report, staff: StaffUser, row: MonitorCheckin, reason: str) -> None:
    """Skip a check-in (for example, contact now would put them at risk); the reason is required and sealed."""
    if row.state != "due":
        raise NotDue(row.id)
    if report.is_open:
        raise NotClosed(report.reference)
    if not reason.strip():
        raise SkipNeedsReason()
    row.outcome = ""
    _finish(dbs, report, row, staff, "skipped", {"reason": reason.strip()[:MAX_TEXT]}, "case.checkin_skipped",
            "skipped")


def opened_text(row: MonitorCheckin) -> tuple[str, Unopened | None]:
    """A done check-in's notes or a skipped one's reason (only on pages that went through `open_case`)."""
    if row.sealed is None:
        return "", None
    opened = try_open(opener(), row.sealed, CHECKIN_PURPOSE, row.id)
    if isinstance(opened, Unopened):
        return "", opened
    content = opened_json(opened)
    return str(content.get("reason") or content.get("notes") or ""), None


def _linked_ids(dbs: Session, report: Report) -> set[str]:
    pairs = dbs.execute(select(CaseLink.report_id, CaseLink.other_id).where(
        or_(CaseLink.report_id == report.id, CaseLink.other_id == report.id))).all()
    return {b if a == report.id else a for a, b in pairs}


def open_links(dbs: Session, report: Report) -> bool:
    """Whether any case linked to this one is open (restricted ones too: the rule is about safety, not sight)."""
    ids = _linked_ids(dbs, report)
    return bool(ids) and dbs.scalar(select(func.count()).select_from(Report)
                                    .where(Report.id.in_(ids), Report.is_open.is_(True))) != 0


def context(dbs: Session, report: Report, staff: StaffUser) -> Context:
    """The cases linked to this one that are open, and incidents in the last year on it and on its links; never a
    restricted case this member of staff may not see."""
    ids = _linked_ids(dbs, report) - set(hidden_ids(dbs, staff))
    linked = list(dbs.scalars(select(Report).where(Report.id.in_(ids)).order_by(Report.received_at.desc()))) \
        if ids else []
    refs = {r.id: r.reference for r in linked} | {report.id: report.reference}
    since = today(current_app.config["TIMEZONE"]) - timedelta(days=RECENT_DAYS)
    rows = dbs.execute(select(Incident.occurred_on, Incident.police, Incident.report_id)
                       .where(Incident.report_id.in_(set(refs)), Incident.occurred_on >= since)
                       .order_by(Incident.occurred_on.desc())).all()
    return Context([Linked(r.reference, r.status, r.is_open) for r in linked if r.is_open],
                   [(on, police, refs[rid]) for on, police, rid in rows])


def ended_on(rows: list[MonitorCheckin]) -> date | None:
    """When monitoring ended (the last check-in done or skipped), or None while any is still due."""
    if not rows or any(r.state == "due" for r in rows):
        return None
    moments = [r.at for r in rows if r.at is not None]
    return max(moments).date() if moments else None
