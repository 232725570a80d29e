"""Restricted cases: a case a lead has kept to named staff (a colleague who is the victim; a perpetrator who
works here or for a contractor), or one the reporter asked to keep from someone here, which only leads see
until a lead decides. Nobody else finds it in the queue, in search or among a case's links, or opens it; a
lead may break the glass with a reason, sealed on the case and audited, for an hour."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now
from portal.intake.reports import current_sealer
from portal.store.models import CaseAccess, CaseEntry, Report, StaffUser

LEVELS = ("", "leads", "named")
GLASS_LASTS = timedelta(hours=1)
REASON_AT_LEAST = 10


class CaseRestricted(Exception):
    """This member of staff may not see this case (a lead may break the glass)."""

    def __init__(self, report: Report) -> None:
        super().__init__("restricted")
        self.report = report


def _granted(dbs: Session, staff: StaffUser) -> set[str]:
    rows = dbs.execute(select(CaseAccess.report_id, CaseAccess.kind, CaseAccess.until)
                       .where(CaseAccess.staff_id == staff.id)).all()
    moment = now()
    return {rid for rid, kind, until in rows if kind == "named" or (until is not None and aware(until) > moment)}


def _sees(staff: StaffUser, restricted: str, granted: bool) -> bool:
    return not restricted or granted or (restricted == "leads" and staff.role == "lead")


def hidden_ids(dbs: Session, staff: StaffUser) -> list[str]:
    """The restricted cases this member of staff may not see (few: one partial index finds them)."""
    granted = _granted(dbs, staff)
    rows = dbs.execute(select(Report.id, Report.restricted).where(Report.restricted != "")).all()
    return [rid for rid, level in rows if not _sees(staff, level, rid in granted)]


def can_see(dbs: Session, staff: StaffUser, report: Report) -> bool:
    if not report.restricted:
        return True
    return _sees(staff, report.restricted, report.id in _granted(dbs, staff))


def require_visible(dbs: Session, staff: StaffUser, report: Report) -> Report:
    """The case, if this member of staff may see it. Otherwise the attempt is audited (`case.refused`: the
    colleague who must not see a case is exactly who might try) and CaseRestricted raised."""
    if not can_see(dbs, staff, report):
        audit(dbs, staff, "case.refused", report, detail="restricted")
        dbs.commit()
        raise CaseRestricted(report)
    return report


def glass_until(dbs: Session, staff: StaffUser, report: Report) -> datetime | None:
    """Until when this member of staff sees this case through the glass (None: not through the glass)."""
    if not report.restricted or report.id in _named(dbs, staff):
        return None
    until = dbs.scalar(select(func.max(CaseAccess.until)).where(
        CaseAccess.report_id == report.id, CaseAccess.staff_id == staff.id, CaseAccess.kind == "glass"))
    return aware(until) if until is not None and aware(until) > now() else None


def _named(dbs: Session, staff: StaffUser) -> set[str]:
    return set(dbs.scalars(select(CaseAccess.report_id).where(CaseAccess.staff_id == staff.id,
                                                              CaseAccess.kind == "named")))


def named_staff(dbs: Session, report: Report) -> list[int]:
    return list(dbs.scalars(select(CaseAccess.staff_id).where(CaseAccess.report_id == report.id,
                                                             CaseAccess.kind == "named")))


def restrict(dbs: Session, lead: StaffUser, report: Report, level: str, named: list[int]) -> None:
    """A lead decides who may see the case: everyone on the team (""), leads only, or the staff named."""
    if lead.role != "lead":
        raise NotAllowed("only a lead restricts a case")
    if level not in LEVELS:
        raise NotAllowed("not a level")
    people = set(dbs.scalars(select(StaffUser.id).where(StaffUser.id.in_(named), StaffUser.active.is_(True),
                                                        StaffUser.role.in_(("officer", "lead")))))
    if level == "named" and not people:
        raise NotAllowed("name at least one person")
    dbs.execute(delete(CaseAccess).where(CaseAccess.report_id == report.id, CaseAccess.kind == "named"))
    if level == "named":
        moment = now()
        dbs.add_all(CaseAccess(report_id=report.id, staff_id=person, kind="named", at=moment, granted_by=lead.id)
                    for person in sorted(people))
    report.restricted = level
    audit(dbs, lead, "case.restricted", report, detail=f"{level or 'lifted'}"
          + (f" named:{','.join(str(p) for p in sorted(people))}" if level == "named" else ""))
    dbs.commit()


def break_glass(dbs: Session, lead: StaffUser, report: Report, reason: str) -> None:
    """A lead not named on a restricted case opens it for an hour, with a reason sealed on the case."""
    if lead.role != "lead":
        raise NotAllowed("only a lead may break the glass")
    if not report.restricted:
        raise NotAllowed("not restricted")
    if len(reason.strip()) < REASON_AT_LEAST:
        raise NotAllowed("a reason is needed")
    moment, entry_id, sealer = now(), str(uuid.uuid4()), current_sealer()
    dbs.add(CaseEntry(id=entry_id, report_id=report.id, at=moment, staff_id=lead.id, kind="glass", code="",
                      key_id=sealer.key_id, sealed=sealer.seal_json({"text": reason.strip()}, "glass", entry_id)))
    dbs.add(CaseAccess(report_id=report.id, staff_id=lead.id, kind="glass", at=moment, until=moment + GLASS_LASTS,
                       granted_by=lead.id))
    audit(dbs, lead, "case.break_glass", report, detail=f"until:{(moment + GLASS_LASTS).isoformat()}")
    dbs.commit()


__all__ = ["CaseRestricted", "LEVELS", "break_glass", "can_see", "hidden_ids", "named_staff", "require_visible",
           "restrict"]
