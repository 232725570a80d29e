"""Action against a perpetrator (MHA 4.3, 8.4, 8.5), in order: first the victim's wishes and safety, any
repercussions, and how the risk will be managed (4.3.2: the victim's view and the safety plan for the action,
sealed); then the proportionality review (4.3.3: the options considered to avoid legal action, the pre-court
protocol, the perpetrator's mental capacity and the Equality Act 2010; sealed apart); then the decision of someone
who may authorise it (8.4: `StaffUser.can_authorise`, never the person who asked), who confirms that the
proportionality review and the pre-court protocol were considered (their note sealed apart).

An extreme incident (8.5: serious threatening behaviour or physical violence) skips only the proportionality review:
it is recorded as such, with what happened, and still needs the victim's view, the safety plan and an authoriser's
decision. Every step is audited with codes only; every refusal is a named error.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now, opened_json, opener, warn_unopened
from portal.casework.restriction import hidden_ids
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.followup_models import (
    ENFORCEMENT_DECISION_PURPOSE,
    ENFORCEMENT_PURPOSE,
    ENFORCEMENT_REVIEW_PURPOSE,
    Enforcement,
    Perpetrator,
)
from portal.store.models import Report, StaffUser

KINDS = ("warning", "injunction", "prohibited_conduct", "possession", "exclude_joint", "rhw32", "rhw33")
JOINT_ONLY = frozenset({"exclude_joint", "rhw32", "rhw33"})  # excluding one of joint contract holders
COURT_KINDS = frozenset({"injunction", "possession", *JOINT_ONLY})  # may go to court (MHA 4.3.4)
STAGES = ("review", "authorise", "authorised", "declined", "withdrawn")
OPEN_STAGES = ("review", "authorise")

__all__ = ["COURT_KINDS", "KINDS", "OPEN_STAGES", "STAGES", "Awaiting", "EnforcementRefused", "NeedsIncident",
           "NeedsReason", "NeedsReview", "NeedsVictimView", "NotAnAuthoriser", "NotJointContract",
           "OpenedEnforcement", "OwnRequest", "StepOutOfOrder", "StepsNotChecked", "awaiting_count",
           "awaiting_decision", "decide", "enforcements_of", "find_enforcement", "opened_enforcements", "review",
           "start", "withdraw"]


class EnforcementRefused(NotAllowed):
    """A step of the enforcement workflow refused."""


class NeedsVictimView(EnforcementRefused):
    """No action before the victim's view and the safety plan for it are recorded (MHA 4.3.2)."""


class NeedsIncident(EnforcementRefused):
    """The extreme-incident exemption (MHA 8.5) needs what happened."""


class NotJointContract(EnforcementRefused):
    """Excluding a joint contract holder (RHW32/RHW33) where the record's tenure is not joint."""


class StepOutOfOrder(EnforcementRefused):
    """A step taken at the wrong stage (a review once reviewed, a decision before the review, anything once
    decided or withdrawn)."""


class NeedsReview(EnforcementRefused):
    """The proportionality review needs the options considered and the pre-court protocol (MHA 4.3.3)."""


class NotAnAuthoriser(EnforcementRefused):
    """Only someone who may authorise action against a perpetrator (MHA 8.4) decides."""


class OwnRequest(EnforcementRefused):
    """The person who asked for the action cannot decide it."""


class StepsNotChecked(EnforcementRefused):
    """Authorising needs the confirmation that the proportionality review and pre-court protocol were considered
    (MHA 8.4), or under the exemption that the incident was extreme."""


class NeedsReason(EnforcementRefused):
    """Declining needs the reason."""


def _check(enforcement: Enforcement, report: Report, stages: tuple[str, ...]) -> None:
    if enforcement.report_id != report.id:
        raise NotAllowed("another case's enforcement")
    if enforcement.stage not in stages:
        raise StepOutOfOrder(enforcement.stage)


def start(dbs: Session, report: Report, staff: StaffUser, perpetrator: Perpetrator, *, kind: str, victim_view: str,
          safety_plan: str, exemption: bool = False, incident: str = "") -> Enforcement:
    """Ask for an action: the victim's view and the safety plan for it are required (sealed). The next stage is the
    proportionality review, or, under the extreme-incident exemption (with what happened), the decision."""
    if perpetrator.report_id != report.id:
        raise NotAllowed("another case's record")
    if kind not in KINDS:
        raise NotAllowed("not an action offered")
    if kind in JOINT_ONLY and perpetrator.tenure != "joint":
        raise NotJointContract(kind)
    if not victim_view.strip() or not safety_plan.strip():
        raise NeedsVictimView("the victim's view and the safety plan are needed")
    if exemption and not incident.strip():
        raise NeedsIncident("what happened is needed")
    enforcement_id = str(uuid.uuid4())
    sealer = current_sealer()
    enforcement = Enforcement(
        id=enforcement_id, report_id=report.id, perpetrator_id=perpetrator.id, at=now(), staff_id=staff.id,
        kind=kind, stage="authorise" if exemption else "review", exemption=exemption, key_id=sealer.key_id,
        sealed=sealer.seal_json({"victim_view": victim_view.strip(), "safety_plan": safety_plan.strip(),
                                 "incident": incident.strip() if exemption else ""},
                                ENFORCEMENT_PURPOSE, enforcement_id))
    dbs.add(enforcement)
    audit(dbs, staff, "case.enforcement_started", report, detail=f"{kind}{':exemption' if exemption else ''}")
    dbs.commit()
    return enforcement


def review(dbs: Session, report: Report, staff: StaffUser, enforcement: Enforcement, *, options: str,
           pre_court: str, capacity: str = "") -> Enforcement:
    """The proportionality review (sealed apart): the options considered to avoid legal action and the pre-court
    protocol (both required), the perpetrator's mental capacity and the Equality Act 2010. Next: the decision."""
    _check(enforcement, report, ("review",))
    if not options.strip() or not pre_court.strip():
        raise NeedsReview("the options and the pre-court protocol are needed")
    sealer = current_sealer()
    enforcement.review_sealed = sealer.seal_json(
        {"options": options.strip(), "pre_court": pre_court.strip(), "capacity": capacity.strip()},
        ENFORCEMENT_REVIEW_PURPOSE, enforcement.id)
    enforcement.review_key_id = sealer.key_id
    enforcement.stage, enforcement.reviewed_at, enforcement.reviewed_by = "authorise", now(), staff.id
    audit(dbs, staff, "case.enforcement_reviewed", report, detail=enforcement.kind)
    dbs.commit()
    return enforcement


def decide(dbs: Session, report: Report, staff: StaffUser, enforcement: Enforcement, *, authorise: bool,
           note: str = "", steps_checked: bool = False) -> Enforcement:
    """An authoriser (not the person who asked) authorises the action, having confirmed the steps were considered,
    or declines it with the reason. The note is sealed apart."""
    if not staff.can_authorise or not staff.active:
        raise NotAnAuthoriser("may not authorise")
    _check(enforcement, report, ("authorise",))
    if enforcement.staff_id == staff.id:
        raise OwnRequest("asked for it")
    if authorise and not steps_checked:
        raise StepsNotChecked("the steps are not confirmed")
    if not authorise and not note.strip():
        raise NeedsReason("the reason is needed")
    sealer = current_sealer()
    enforcement.decision_sealed = sealer.seal_json({"note": note.strip()}, ENFORCEMENT_DECISION_PURPOSE,
                                                   enforcement.id)
    enforcement.decision_key_id = sealer.key_id
    enforcement.stage = "authorised" if authorise else "declined"
    enforcement.decided_at, enforcement.decided_by = now(), staff.id
    audit(dbs, staff, f"case.enforcement_{enforcement.stage}", report, detail=enforcement.kind)
    dbs.commit()
    return enforcement


def withdraw(dbs: Session, report: Report, staff: StaffUser, enforcement: Enforcement) -> Enforcement:
    """Withdraw an action not yet decided (the victim's view changed, or it is no longer needed)."""
    _check(enforcement, report, OPEN_STAGES)
    enforcement.stage, enforcement.decided_at, enforcement.decided_by = "withdrawn", now(), staff.id
    audit(dbs, staff, "case.enforcement_withdrawn", report, detail=enforcement.kind)
    dbs.commit()
    return enforcement


def find_enforcement(dbs: Session, report: Report, enforcement_id: str) -> Enforcement | None:
    """One of this case's enforcement actions (None for another case's)."""
    enforcement = dbs.get(Enforcement, enforcement_id)
    return enforcement if enforcement is not None and enforcement.report_id == report.id else None


def enforcements_of(dbs: Session, report: Report) -> list[Enforcement]:
    """The case's enforcement actions, newest first (nothing opened)."""
    return list(dbs.scalars(select(Enforcement).where(Enforcement.report_id == report.id)
                            .order_by(Enforcement.at.desc(), Enforcement.id)))


@dataclass
class OpenedEnforcement:
    enforcement: Enforcement
    names: dict[str, str]  # "staff", "reviewed_by", "decided_by"
    content: dict[str, Any]  # victim_view, safety_plan, incident
    review_content: dict[str, Any]  # options, pre_court, capacity ({} before the review)
    decision_content: dict[str, Any]  # note ({} before the decision)
    unopened: Unopened | None = None


def _opened(keys: Any, sealed: bytes | None, purpose: str, record_id: str) -> bytes | Unopened | None:
    if sealed is None:
        return None
    result = try_open(keys, sealed, purpose, record_id)
    warn_unopened(purpose, result)
    return result


def opened_enforcements(dbs: Session, report: Report) -> list[OpenedEnforcement]:
    """Every action with its three seals opened: call only after `open_case` has audited the opening."""
    found = enforcements_of(dbs, report)
    if not found:
        return []
    keys = opener()
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    result = []
    for e in found:
        seals = [_opened(keys, e.sealed, ENFORCEMENT_PURPOSE, e.id),
                 _opened(keys, e.review_sealed, ENFORCEMENT_REVIEW_PURPOSE, e.id),
                 _opened(keys, e.decision_sealed, ENFORCEMENT_DECISION_PURPOSE, e.id)]
        contents = [opened_json(s) if s is not None else {} for s in seals]
        who = {"staff": names.get(e.staff_id, "?"), "reviewed_by": names.get(e.reviewed_by or 0, ""),
               "decided_by": names.get(e.decided_by or 0, "")}
        result.append(OpenedEnforcement(e, who, contents[0], contents[1], contents[2],
                                        next((s for s in seals if isinstance(s, Unopened)), None)))
    return result


@dataclass(frozen=True)
class Awaiting:
    """An action awaiting a decision, as the authorisers' list shows it: no content."""

    reference: str
    enforcement_id: str
    kind: str
    exemption: bool
    asked_at: datetime
    staff_name: str
    own: bool  # this authoriser asked for it, so someone else must decide


def _waiting(dbs: Session, staff: StaffUser) -> list[Any]:
    where = [Enforcement.stage == "authorise"]
    hidden = hidden_ids(dbs, staff)
    return [*where, Enforcement.report_id.not_in(hidden)] if hidden else where


def awaiting_decision(dbs: Session, staff: StaffUser) -> list[Awaiting]:
    """Actions waiting for an authoriser, on cases this member of staff may see: the longest waiting first."""
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    rows = dbs.execute(select(Enforcement, Report.reference).join(Report, Report.id == Enforcement.report_id)
                       .where(*_waiting(dbs, staff)).order_by(Enforcement.at, Enforcement.id)).all()
    return [Awaiting(reference, e.id, e.kind, e.exemption, aware(e.at), names.get(e.staff_id, "?"),
                     e.staff_id == staff.id) for e, reference in rows]


def awaiting_count(dbs: Session, staff: StaffUser) -> int:
    return dbs.scalar(select(func.count(Enforcement.id)).where(*_waiting(dbs, staff))) or 0
