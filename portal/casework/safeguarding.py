"""Safeguarding on a case: the flags that route it (someone at risk under 16 is child safeguarding, whg 1.5; an
adult at risk; signs of modern slavery or exploitation, Plus Dane 16), the referrals made (to children's services,
adult social care, the police, or the National Referral Mechanism through a first responder) and their outcomes.

Codes and dates are plain; what was referred and the outcome's note are sealed. Every change is audited with codes
only. A date typed by staff is never after today (`InTheFuture`), and an outcome never before its referral.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today, warn_unopened
from portal.casework.disclosures import InTheFuture
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.models import Report, StaffUser, band_for
from portal.store.risk_models import SAFEGUARDING_OUTCOME_PURPOSE, SAFEGUARDING_PURPOSE, SafeguardingReferral

FLAGS = ("under_16", "adult_at_risk", "exploitation")
CONCERNS = ("child", "adult", "exploitation")
# The concern each flag asks a referral for.
CONCERN_FOR_FLAG = {"under_16": "child", "adult_at_risk": "adult", "exploitation": "exploitation"}
ROUTES = ("childrens_services", "adult_social_care", "police", "nrm", "other")
OUTCOMES = ("accepted", "strategy", "nfa", "declined", "other")

__all__ = ["CONCERNS", "FLAGS", "InTheFuture", "OUTCOMES", "ROUTES", "BeforeReferral", "OpenedReferral",
           "due_prompts", "find_referral", "open_referrals", "opened_referrals", "record_outcome", "record_referral",
           "set_flags"]


class BeforeReferral(NotAllowed):
    """An outcome dated before the referral it answers."""


@dataclass
class OpenedReferral:
    referral: SafeguardingReferral
    staff_name: str
    content: dict[str, Any]  # {"what", "other"}; {} when it would not open
    outcome_content: dict[str, Any]  # {"note"}; {} when there is none yet or it would not open
    unopened: Unopened | None = None


def set_flags(dbs: Session, report: Report, staff: StaffUser, flags: dict[str, bool]) -> list[str]:
    """Set or clear the safeguarding flags staff chose (a flag not named is left as it is). Under 16 is a child:
    setting it sets `children` and the queue band follows. Each change is audited ("under_16:on"); returns the
    changes."""
    if set(flags) - set(FLAGS):
        raise NotAllowed("not a safeguarding flag")
    changes = []
    for name in FLAGS:
        if name not in flags or getattr(report, name) is bool(flags[name]):
            continue
        setattr(report, name, bool(flags[name]))
        changes.append(f"{name}:{'on' if flags[name] else 'off'}")
        audit(dbs, staff, "case.safeguarding_flag", report, detail=changes[-1])
    if report.under_16:
        report.children = True
    report.band = band_for(report.danger_now, report.children, report.urgent, high_risk=report.risk_level == "high")
    dbs.commit()
    return changes


def _not_future(day: date | None, tz: str) -> date:
    if not isinstance(day, date):
        raise NotAllowed("a date is needed")
    if day > today(tz):
        raise InTheFuture("dated after today")
    return day


def record_referral(dbs: Session, report: Report, staff: StaffUser, *, concern: str, referred_to: str,
                    referred_on: date | None, what: str, other: str = "", tz: str) -> SafeguardingReferral:
    """A safeguarding referral made: for which concern, to whom, when (not after today), and what was referred
    (sealed, with another agency's name). Audited as `case.safeguarding_referral` with "concern:route"."""
    if concern not in CONCERNS or referred_to not in ROUTES:
        raise NotAllowed("not a concern or route offered")
    if referred_to == "other" and not other.strip():
        raise NotAllowed("another agency needs its name")
    day = _not_future(referred_on, tz)
    referral_id = str(uuid.uuid4())
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    referral = SafeguardingReferral(
        id=referral_id, report_id=report.id, at=now(), staff_id=staff.id, concern=concern, referred_to=referred_to,
        referred_on=day, key_id=sealer.key_id,
        sealed=sealer.seal_json({"what": what, "other": other.strip() if referred_to == "other" else ""},
                                SAFEGUARDING_PURPOSE, referral_id))
    dbs.add(referral)
    audit(dbs, staff, "case.safeguarding_referral", report, detail=f"{concern}:{referred_to}")
    dbs.commit()
    return referral


def record_outcome(dbs: Session, report: Report, staff: StaffUser, referral_id: str, *, outcome: str,
                   outcome_on: date | None, note: str, tz: str) -> SafeguardingReferral:
    """What came of a referral (once): accepted, a strategy meeting or enquiry, no further action, declined, or
    something else; its date is not after today nor before the referral; the note is sealed on its own."""
    referral = find_referral(dbs, report, referral_id)
    if referral is None:
        raise NotAllowed("no such referral on this case")
    if referral.outcome:
        raise NotAllowed("the outcome is already recorded")
    if outcome not in OUTCOMES:
        raise NotAllowed("not an outcome offered")
    day = _not_future(outcome_on, tz)
    if day < referral.referred_on:
        raise BeforeReferral("an outcome before its referral")
    sealer = current_sealer()
    referral.outcome_sealed = sealer.seal_json({"note": note}, SAFEGUARDING_OUTCOME_PURPOSE, referral.id)
    referral.outcome_key_id = sealer.key_id
    referral.outcome, referral.outcome_on, referral.outcome_at, referral.outcome_by = outcome, day, now(), staff.id
    audit(dbs, staff, "case.safeguarding_outcome", report, detail=f"{referral.concern}:{outcome}")
    dbs.commit()
    return referral


def find_referral(dbs: Session, report: Report, referral_id: str) -> SafeguardingReferral | None:
    """One of this case's referrals (None for another case's, or none at all)."""
    referral = dbs.get(SafeguardingReferral, referral_id)
    return referral if referral is not None and referral.report_id == report.id else None


def referrals_of(dbs: Session, report: Report) -> list[SafeguardingReferral]:
    """The case's referrals, newest first (codes and dates only: nothing is opened)."""
    return list(dbs.scalars(select(SafeguardingReferral).where(SafeguardingReferral.report_id == report.id)
                            .order_by(SafeguardingReferral.referred_on.desc(), SafeguardingReferral.at.desc())))


def open_referrals(dbs: Session, report: Report) -> list[SafeguardingReferral]:
    """Referrals still waiting for their outcome (for closing a case: something is still open)."""
    return [referral for referral in referrals_of(dbs, report) if not referral.outcome]


def opened_referrals(dbs: Session, report: Report) -> list[OpenedReferral]:
    """Every referral with what was referred and the outcome's note opened: call this only after
    `portal.casework.cases.open_case` has audited the opening."""
    found = referrals_of(dbs, report)
    if not found:
        return []
    keys = opener()
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    result = []
    for referral in found:
        sealed = try_open(keys, referral.sealed, SAFEGUARDING_PURPOSE, referral.id)
        warn_unopened("safeguarding referral", sealed)
        outcome: bytes | Unopened | None = None
        if referral.outcome_sealed is not None:
            outcome = try_open(keys, referral.outcome_sealed, SAFEGUARDING_OUTCOME_PURPOSE, referral.id)
            warn_unopened("safeguarding outcome", outcome)
        unopened = next((x for x in (sealed, outcome) if isinstance(x, Unopened)), None)
        result.append(OpenedReferral(referral, names.get(referral.staff_id, "?"), opened_json(sealed),
                                     opened_json(outcome) if outcome is not None else {}, unopened))
    return result


def due_prompts(report: Report, referrals: list[SafeguardingReferral]) -> list[str]:
    """The concerns whose prompt the case page shows until a referral for that concern is recorded: "child"
    (someone at risk is under 16), "adult" (an adult at risk), "exploitation" (signs of modern slavery)."""
    referred = {referral.concern for referral in referrals}
    return [CONCERN_FOR_FLAG[flag] for flag in FLAGS
            if getattr(report, flag) and CONCERN_FOR_FLAG[flag] not in referred]
