"""Routing to a member of staff who fits what the person asked for: to speak to a woman or a man
(`Report.staff_sex`), or in Welsh (`Report.contact_language == "cy"`), against what staff said on their own account
(`StaffUser.sex`, `speaks_welsh`; not saying counts as not matching). Giving a case to someone who does not match
needs a reason, sealed in a case entry of kind "routing" whose code lists the unmatched preferences (audited)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from portal.casework.cases import add_entry
from portal.casework.common import NotAllowed, audit
from portal.casework.queue import assign, claim
from portal.store.models import Report, StaffUser

CODES = ("woman", "man", "welsh")  # the preferences a member of staff may not match
SEXES = ("woman", "man")
MAX_REASON = 2000


class RoutingNeedsReason(NotAllowed):
    """This member of staff does not match what the person asked for: a reason is needed."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        super().__init__(" ".join(codes))
        self.codes = codes


def mismatches(report: Report, staff: StaffUser | None) -> tuple[str, ...]:
    """What the person asked for that this member of staff does not match (or has not said), as CODES."""
    if staff is None:
        return ()
    found = []
    if report.staff_sex in SEXES and staff.sex != report.staff_sex:
        found.append(report.staff_sex)
    if report.contact_language == "cy" and not staff.speaks_welsh:
        found.append("welsh")
    return tuple(found)


def note_override(dbs: Session, report: Report, by: StaffUser, owner: StaffUser, codes: tuple[str, ...],
                  reason: str, commit: bool = True) -> None:
    """Record why a case went to someone who does not match (sealed; the entry's code lists what was unmatched)."""
    add_entry(dbs, report, by, "routing", {"reason": reason.strip()[:MAX_REASON], "owner_id": owner.id},
              code=" ".join(codes), commit=commit)


def claim_routed(dbs: Session, report: Report, staff: StaffUser, reason: str = "") -> tuple[str, ...]:
    """Claim an unowned case; if the officer does not match what the person asked for, only with a reason
    (RoutingNeedsReason otherwise). queue.AlreadyClaimed if someone was quicker. Returns the unmatched codes."""
    codes = mismatches(report, staff)
    if codes and not reason.strip():
        raise RoutingNeedsReason(codes)
    claim(dbs, report.id, staff.id)
    audit(dbs, staff, "case.claimed", report, detail=" ".join(f"unmatched:{c}" for c in codes))
    if codes:
        note_override(dbs, report, staff, staff, codes, reason)  # commits, with the claim
    else:
        dbs.commit()
    return codes


def unmatched(reports: Iterable[Report], owner: StaffUser | None) -> dict[str, tuple[str, ...]]:
    """For a bulk assignment: the reports (by id) whose person asked for something the owner does not match."""
    return {r.id: codes for r in reports if (codes := mismatches(r, owner))}


def assign_routed(dbs: Session, reports: list[Report], by: StaffUser, owner: StaffUser | None,
                  reason: str = "") -> int:
    """Give reports to `owner` (or nobody). Any that do not match need one reason for them all
    (RoutingNeedsReason, with the codes found, otherwise); each gets its own routing entry. Returns how many
    changed."""
    odd = unmatched(reports, owner)
    if odd and not reason.strip():
        raise RoutingNeedsReason(tuple(c for c in CODES if any(c in codes for codes in odd.values())))
    for report in reports:  # sealed first: if a reason cannot be stored, nothing is assigned
        if report.id in odd and owner is not None:
            note_override(dbs, report, by, owner, odd[report.id], reason, commit=False)
    changed = assign(dbs, [r.id for r in reports], owner.id if owner else None)
    for report in reports:
        audit(dbs, by, "case.assigned", report, detail=(f"to staff:{owner.id}" if owner else "to nobody")
              + "".join(f" unmatched:{c}" for c in odd.get(report.id, ())))
    dbs.commit()  # the assignment, its audit and every reason together
    return changed



def set_own_details(dbs: Session, staff: StaffUser, sex: str, speaks_welsh: bool) -> bool:
    """What a member of staff says about themselves for routing (optional: "" is not saying). True if changed."""
    if sex not in ("", *SEXES):
        raise NotAllowed("not a choice")
    if (staff.sex, staff.speaks_welsh) == (sex, speaks_welsh):
        return False
    which = (("sex", staff.sex != sex), ("welsh", staff.speaks_welsh != speaks_welsh))
    changed = " ".join(name for name, differs in which if differs)  # which, not what: the answer stays put
    staff.sex, staff.speaks_welsh = sex, speaks_welsh
    audit(dbs, staff, "staff.routing_details_changed", None, detail=changed)
    dbs.commit()
    return True
