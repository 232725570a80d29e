"""The perpetrator record on a case, kept apart from the person at risk's: who they are to them, whether a tenant or
contract holder (sole or joint), their address if different; the Restricted Access List flag (whg 2.18) with its
reason and review date; on a joint tenancy (Plus Dane 9, VIVID 4.3), the advice given to each party and whether
mediation was offered (or would not be safe).

Codes and dates are plain; everything typed is sealed in one seal bound to the record's id. Nothing here is ever
addressed to the perpetrator: the portal sends nothing to them, and their address is never a way to contact anyone.
Every change is audited with codes only. Updating opens the seal to keep what it already holds: call these only
after the page's audited opening (`portal.casework.cases.open_case`).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today, warn_unopened
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.followup_models import PERPETRATOR_PURPOSE, Perpetrator
from portal.store.models import Report, StaffUser

TENURES = ("sole", "joint", "none", "unknown")
MEDIATION = ("offered", "declined", "unsafe")  # "" is not recorded
FIELDS = ("name", "relationship", "address", "ral_reason", "advice_victim", "advice_perpetrator")

__all__ = ["FIELDS", "MEDIATION", "TENURES", "NeedsRalReason", "NotJoint", "OpenedPerpetrator", "RalReviewPast",
           "find_perpetrator", "opened_perpetrators", "perpetrators_of", "ral_review_due", "record_joint_tenancy",
           "save_perpetrator", "set_restricted_access"]


class NeedsRalReason(NotAllowed):
    """Putting someone on the Restricted Access List needs the reason and a review date."""


class RalReviewPast(NotAllowed):
    """A Restricted Access List review date that is not after today."""


class NotJoint(NotAllowed):
    """Joint tenancy advice and mediation on a record whose tenure is not joint."""


@dataclass
class OpenedPerpetrator:
    perpetrator: Perpetrator
    content: dict[str, Any]  # FIELDS; {} when it would not open
    unopened: Unopened | None = None


def _open(perpetrator: Perpetrator) -> tuple[dict[str, Any], Unopened | None]:
    sealed = try_open(opener(), perpetrator.sealed, PERPETRATOR_PURPOSE, perpetrator.id)
    warn_unopened("perpetrator", sealed)
    return opened_json(sealed), sealed if isinstance(sealed, Unopened) else None


def _reseal(perpetrator: Perpetrator, changes: dict[str, str]) -> None:
    """Seal the record again with `changes` over what it held (refused if the old seal will not open: nothing typed
    before may be lost)."""
    content, unopened = _open(perpetrator)
    if unopened is not None:
        raise NotAllowed("the record would not open")
    sealer = current_sealer()
    perpetrator.sealed = sealer.seal_json({**{f: content.get(f, "") for f in FIELDS}, **changes},
                                          PERPETRATOR_PURPOSE, perpetrator.id)
    perpetrator.key_id, perpetrator.updated_at = sealer.key_id, now()


def save_perpetrator(dbs: Session, report: Report, staff: StaffUser, perpetrator: Perpetrator | None = None, *,
                     name: str, relationship: str, tenure: str, address: str = "") -> Perpetrator:
    """Record a perpetrator on the case, or update one (`perpetrator`): name and relationship (sealed, the
    relationship required), tenure (a code), address if different from the person at risk's (sealed). Audited as
    `case.perpetrator_added` / `case.perpetrator_updated` with the tenure."""
    if tenure not in TENURES:
        raise NotAllowed("not a tenure offered")
    if not relationship.strip():
        raise NotAllowed("the relationship is needed")
    typed = {"name": name.strip(), "relationship": relationship.strip(), "address": address.strip()}
    if perpetrator is None:
        perpetrator_id = str(uuid.uuid4())
        sealer = current_sealer()  # raises ReportNotStored if the public key is missing
        moment = now()
        perpetrator = Perpetrator(
            id=perpetrator_id, report_id=report.id, at=moment, updated_at=moment, staff_id=staff.id, tenure=tenure,
            key_id=sealer.key_id, sealed=sealer.seal_json({**dict.fromkeys(FIELDS, ""), **typed},
                                                          PERPETRATOR_PURPOSE, perpetrator_id))
        dbs.add(perpetrator)
        audit(dbs, staff, "case.perpetrator_added", report, detail=f"tenure:{tenure}")
    else:
        _own(report, perpetrator)
        _reseal(perpetrator, typed)
        perpetrator.tenure = tenure
        audit(dbs, staff, "case.perpetrator_updated", report, detail=f"tenure:{tenure}")
    dbs.commit()
    return perpetrator


def set_restricted_access(dbs: Session, report: Report, staff: StaffUser, perpetrator: Perpetrator, *, on: bool,
                          reason: str = "", review_on: date | None = None, tz: str) -> Perpetrator:
    """Put the perpetrator on the Restricted Access List (whg 2.18) with the reason (sealed) and a review date after
    today, or take them off (the reason and date are cleared). Audited as `case.perpetrator_ral` "on" / "off"."""
    _own(report, perpetrator)
    if on:
        if not reason.strip() or not isinstance(review_on, date):
            raise NeedsRalReason("a reason and a review date are needed")
        if review_on <= today(tz):
            raise RalReviewPast("the review date must be after today")
    _reseal(perpetrator, {"ral_reason": reason.strip() if on else ""})
    perpetrator.restricted_access, perpetrator.ral_review_on = on, review_on if on else None
    audit(dbs, staff, "case.perpetrator_ral", report, detail="on" if on else "off")
    dbs.commit()
    return perpetrator


def record_joint_tenancy(dbs: Session, report: Report, staff: StaffUser, perpetrator: Perpetrator, *,
                         advice_victim: str, advice_perpetrator: str, mediation: str) -> Perpetrator:
    """On a joint tenancy: the advice given to each party (sealed) and mediation: offered, declined, or not offered
    because it would not be safe. Audited as `case.perpetrator_joint` with the mediation code."""
    _own(report, perpetrator)
    if perpetrator.tenure != "joint":
        raise NotJoint("the tenure is not joint")
    if mediation not in MEDIATION:
        raise NotAllowed("not a mediation choice offered")
    _reseal(perpetrator, {"advice_victim": advice_victim.strip(), "advice_perpetrator": advice_perpetrator.strip()})
    perpetrator.mediation = mediation
    audit(dbs, staff, "case.perpetrator_joint", report, detail=f"mediation:{mediation}")
    dbs.commit()
    return perpetrator


def _own(report: Report, perpetrator: Perpetrator) -> None:
    if perpetrator.report_id != report.id:
        raise NotAllowed("another case's record")


def find_perpetrator(dbs: Session, report: Report, perpetrator_id: str) -> Perpetrator | None:
    """One of this case's perpetrator records (None for another case's, or none at all)."""
    perpetrator = dbs.get(Perpetrator, perpetrator_id)
    return perpetrator if perpetrator is not None and perpetrator.report_id == report.id else None


def perpetrators_of(dbs: Session, report: Report) -> list[Perpetrator]:
    """The case's perpetrator records, first recorded first (nothing is opened)."""
    return list(dbs.scalars(select(Perpetrator).where(Perpetrator.report_id == report.id)
                            .order_by(Perpetrator.at, Perpetrator.id)))


def opened_perpetrators(dbs: Session, report: Report) -> list[OpenedPerpetrator]:
    """Every record opened: call this only after `open_case` has audited the opening."""
    result = []
    for perpetrator in perpetrators_of(dbs, report):
        content, unopened = _open(perpetrator)
        result.append(OpenedPerpetrator(perpetrator, content, unopened))
    return result


def ral_review_due(perpetrator: Perpetrator, tz: str) -> bool:
    """Whether a Restricted Access List flag has reached its review date."""
    return bool(perpetrator.restricted_access and perpetrator.ral_review_on
                and perpetrator.ral_review_on <= today(tz))
