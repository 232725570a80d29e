"""Closing with care: a case with something still open (high risk and no MARAC referral, a breathing space
running, a safeguarding referral or a share without consent not yet settled, no risk assessment at all) closes only
with a reason and a team lead's sign-off. A lead who closes it signs it off themselves; an officer's closure waits
for a lead, who signs it off (the case closes) or sends it back with a note."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today
from portal.casework.monitoring import set_monitoring, still_ahead
from portal.crypto.sealing import try_open
from portal.intake.reports import current_sealer
from portal.store.models import CaseEntry, Report, StaffUser
from portal.store.risk_models import (
    CLOSURE_PURPOSE,
    ClosureRequest,
    InfoShare,
    MaracReferral,
    RiskAssessment,
    SafeguardingReferral,
)

# What the guard looks for, in the order the page lists it.
OPEN_ITEMS = ("no_assessment", "high_risk_no_marac", "breathing_space", "safeguarding_open", "share_unsigned")
# A duplicate's work lives on the case it duplicates: it needs no risk assessment of its own.
NO_ASSESSMENT_NEEDED = frozenset({"duplicate"})


class ClosureNeedsReason(NotAllowed):
    """Something is still open: closing needs a reason why (and a lead's sign-off)."""


class ClosurePending(NotAllowed):
    """A closure is already waiting for a lead's sign-off."""


@dataclass(frozen=True)
class Pending:
    request: ClosureRequest
    requested_by: str
    items: tuple[str, ...]
    reason: str  # opened for this request: call only after the case's audited opening


def open_items(dbs: Session, report: Report, close_reason: str | None = None,
               on: date | None = None) -> tuple[str, ...]:
    """What is still open on the case, as codes (OPEN_ITEMS)."""
    day = on or today(current_app.config["TIMEZONE"])
    rid = report.id
    items = []
    assessed = dbs.scalar(select(exists().where(RiskAssessment.report_id == rid, RiskAssessment.complete)))
    if not assessed and close_reason not in NO_ASSESSMENT_NEEDED:
        items.append("no_assessment")
    if report.risk_level == "high" and not dbs.scalar(select(exists().where(MaracReferral.report_id == rid))):
        items.append("high_risk_no_marac")
    if dbs.scalar(select(exists().where(CaseEntry.report_id == rid, CaseEntry.kind == "action",
                                        CaseEntry.code == "breathing_space", CaseEntry.ends_on >= day))):
        items.append("breathing_space")
    if dbs.scalar(select(exists().where(SafeguardingReferral.report_id == rid, SafeguardingReferral.outcome == ""))):
        items.append("safeguarding_open")
    if dbs.scalar(select(exists().where(InfoShare.report_id == rid, InfoShare.countersign_due.is_not(None),
                                        InfoShare.countersigned_at.is_(None)))):
        items.append("share_unsigned")
    return tuple(items)


def pending_request(dbs: Session, report: Report) -> ClosureRequest | None:
    return dbs.scalar(select(ClosureRequest).where(ClosureRequest.report_id == report.id,
                                                   ClosureRequest.state == "pending"))


def close_guarded(dbs: Session, report: Report, staff: StaffUser, close_reason: str, why: str,
                  monitor: list[date] | None = None) -> bool:
    """Close a case whatever is open on it (worked out here, not taken from the page). Returns True if it closed
    (nothing open, or a lead signed it off), False if it now waits for a lead. With anything open, the reason
    why is required and sealed. `monitor`: check-in dates after closing (monitoring.py), applied when the case
    actually closes (kept, sealed with the request, until a lead signs it off)."""
    from portal.casework.cases import close  # the status workflow (cases imports this module's guard)

    current = open_items(dbs, report, close_reason)
    if not current:
        close(dbs, report, staff, close_reason)
        _monitor(dbs, report, staff, monitor)
        return True
    if not why.strip():
        raise ClosureNeedsReason(" ".join(current))
    if pending_request(dbs, report) is not None:
        raise ClosurePending("already waiting")
    request_id = str(uuid.uuid4())
    sealer = current_sealer()
    is_lead = staff.role == "lead"
    request = ClosureRequest(
        id=request_id, report_id=report.id, at=now(), staff_id=staff.id, close_reason=close_reason,
        open_items=" ".join(current), state="approved" if is_lead else "pending",
        decided_by=staff.id if is_lead else None, decided_at=now() if is_lead else None, key_id=sealer.key_id,
        sealed=sealer.seal_json({"reason": why, "note": "", **({"monitor": [d.isoformat() for d in monitor]}
                                                                  if monitor is not None else {})},
                                CLOSURE_PURPOSE, request_id))
    dbs.add(request)
    audit(dbs, staff, "case.closure_requested", report, detail=f"{close_reason} open:{','.join(current)}")
    if is_lead:
        audit(dbs, staff, "case.closure_signed_off", report, detail="own")
        close(dbs, report, staff, close_reason)
        _monitor(dbs, report, staff, monitor)
        return True
    dbs.commit()
    return False


def decide(dbs: Session, report: Report, lead: StaffUser, approve: bool, note: str) -> None:
    """A lead signs off a waiting closure (the case closes with the officer's reason) or sends it back."""
    from portal.casework.cases import close

    if lead.role != "lead":
        raise NotAllowed("only a team lead signs off a closure")
    request = pending_request(dbs, report)
    if request is None:
        raise NotAllowed("nothing waiting")
    if not approve and not note.strip():
        raise ClosureNeedsReason("say why it goes back")
    content = opened_json(try_open(opener(), request.sealed, CLOSURE_PURPOSE, request.id))
    sealer = current_sealer()
    request.sealed = sealer.seal_json({**content, "note": note}, CLOSURE_PURPOSE, request.id)
    request.key_id = sealer.key_id
    request.state, request.decided_by, request.decided_at = ("approved" if approve else "declined"), lead.id, now()
    audit(dbs, lead, "case.closure_signed_off" if approve else "case.closure_sent_back", report)
    if approve:
        close(dbs, report, lead, request.close_reason)
        if "monitor" in content:  # the officer's dates, or the defaults if those have passed by now
            set_monitoring(dbs, report, lead, still_ahead(date.fromisoformat(d) for d in content["monitor"]))
    else:
        dbs.commit()


def _monitor(dbs: Session, report: Report, staff: StaffUser, dates: list[date] | None) -> None:
    if dates is not None:
        set_monitoring(dbs, report, staff, dates)


def pending_for(dbs: Session, report: Report, with_reason: bool = False) -> Pending | None:
    """The closure waiting on this case; `with_reason` opens its reason (only after the case's audited opening)."""
    request = pending_request(dbs, report)
    if request is None:
        return None
    name = dbs.scalar(select(StaffUser.name).where(StaffUser.id == request.staff_id)) or "?"
    content = opened_json(try_open(opener(), request.sealed, CLOSURE_PURPOSE, request.id)) if with_reason else {}
    return Pending(request, name, tuple(request.open_items.split()), str(content.get("reason", "")))


def waiting_closures(dbs: Session, hidden: list[str] | None = None) -> list[tuple[Report, ClosureRequest]]:
    """Closures waiting for a lead, oldest first (codes and dates only: nothing sealed is opened)."""
    rows = dbs.execute(select(Report, ClosureRequest).join(ClosureRequest, ClosureRequest.report_id == Report.id)
                       .where(ClosureRequest.state == "pending").order_by(ClosureRequest.at)).all()
    hide = set(hidden or ())
    return [(r, c) for r, c in rows if r.id not in hide]


def waiting_count(dbs: Session) -> int:
    return dbs.scalar(select(func.count()).select_from(ClosureRequest).where(ClosureRequest.state == "pending")) or 0
