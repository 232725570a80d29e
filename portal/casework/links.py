"""Search and links, without plaintext: staff search by reference, name, address, postcode, phone number or
e-mail address (the query is normalised and digested under the index key, never stored or logged); a case
shows its possible links (other cases at the same address, with the same phone number or e-mail address, or
the same name) and the cases staff linked as the same household or person. "Reported to us before?" follows
from them unless staff answered it themselves. Restricted cases the viewer may not see are never found."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now
from portal.casework.indexing import PERSON_KINDS, REPORTER_KINDS, index_key
from portal.casework.restriction import hidden_ids
from portal.crypto import blind_index
from portal.intake.reports import find_by_reference
from portal.store.models import BlindIndex, CaseLink, Report, StaffUser

RELATIONS = ("household", "person")
SEARCH_LIMIT = 50
# What a possible link is made of, strongest first: the same address (the whole of it, or the same street
# address where neither postcode says otherwise), phone number, e-mail address; the same name is shown apart.
LINK_GROUPS = ("address", "phone", "email", "name")


@dataclass
class Found:
    report: Report
    matched: set[str] = field(default_factory=set)  # which kinds of value matched
    glass: bool = False  # restricted, and this lead is not named: opening it needs a reason


@dataclass
class Links:
    possible: dict[str, list[Report]]  # group → other cases
    linked: list[tuple[Report, str]]  # (other case, relation)

    @property
    def others(self) -> set[str]:
        return {r.id for reports in self.possible.values() for r in reports} | {r.id for r, _ in self.linked}


def search(dbs: Session, staff: StaffUser, query: str) -> list[Found]:
    """Cases matching what was typed, newest first. Audited without the query (only how many were found)."""
    wanted = query.strip()
    hidden = set(hidden_ids(dbs, staff))
    found: dict[str, Found] = {}
    by_reference = find_by_reference(dbs, wanted)
    if by_reference is not None and (by_reference.id not in hidden or staff.role == "lead"):
        # A lead may open a restricted case with a reason (the glass): by its reference only, never by its values.
        found[by_reference.id] = Found(by_reference, {"reference"}, glass=by_reference.id in hidden)
    if len(wanted) <= 500:
        key = index_key()
        probes: dict[str, str] = {}
        for kind in (*PERSON_KINDS, *REPORTER_KINDS):
            plain = "name" if kind == "reporter_name" else kind.removeprefix("reporter_")
            for value in blind_index.values(plain, wanted):
                probes[key.digest(kind, value)] = kind
        if probes:
            rows = dbs.execute(select(BlindIndex.report_id, BlindIndex.digest)
                               .where(BlindIndex.digest.in_(list(probes))).limit(5000)).all()
            matched: dict[str, set[str]] = defaultdict(set)
            for report_id, digest in rows:
                if report_id not in hidden:
                    matched[report_id].add(probes[digest])
            reports = list(dbs.scalars(select(Report).where(Report.id.in_(list(matched))))) if matched else []
            for report in reports:
                found.setdefault(report.id, Found(report)).matched |= matched[report.id]
    results = sorted(found.values(), key=lambda f: aware(f.report.received_at), reverse=True)[:SEARCH_LIMIT]
    audit(dbs, staff, "search.run", None, detail=f"found:{len(results)}")
    dbs.commit()
    return results


def _digests(dbs: Session, report_ids: list[str]) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for report_id, kind, digest in dbs.execute(select(BlindIndex.report_id, BlindIndex.kind, BlindIndex.digest)
                                               .where(BlindIndex.report_id.in_(report_ids))):
        found[report_id][kind].add(digest)
    return found


def links_of(dbs: Session, staff: StaffUser, report: Report) -> Links:
    """This case's possible links (from the index) and the links staff made, leaving out what the viewer may
    not see. Reads only digests and plaintext columns: nothing is opened."""
    hidden = set(hidden_ids(dbs, staff)) | {report.id}
    mine = _digests(dbs, [report.id]).get(report.id, {})
    probe = [d for kind in PERSON_KINDS for d in mine.get(kind, set())]
    candidates = list({rid for (rid,) in dbs.execute(select(BlindIndex.report_id).where(
        BlindIndex.digest.in_(probe)).limit(2000))} - hidden) if probe else []
    theirs = _digests(dbs, candidates) if candidates else {}
    groups: dict[str, list[str]] = {group: [] for group in LINK_GROUPS}
    for other, kinds in theirs.items():
        same = {kind for kind in PERSON_KINDS if mine.get(kind, set()) & kinds.get(kind, set())}
        postcodes_differ = bool(mine.get("postcode")) and bool(kinds.get("postcode")) and "postcode" not in same
        if "address" in same or ("street" in same and not postcodes_differ):
            groups["address"].append(other)
        for group in ("phone", "email", "name"):
            if group in same:
                groups[group].append(other)
    wanted = {rid for rids in groups.values() for rid in rids}
    linked_rows = dbs.execute(select(CaseLink).where(or_(CaseLink.report_id == report.id,
                                                         CaseLink.other_id == report.id))).scalars().all()
    link_of = {(row.other_id if row.report_id == report.id else row.report_id): row.relation for row in linked_rows}
    link_of = {rid: relation for rid, relation in link_of.items() if rid not in hidden}
    reports = {r.id: r for r in dbs.scalars(select(Report).where(Report.id.in_(list(wanted | set(link_of)))))}

    def newest(ids: list[str]) -> list[Report]:
        return sorted((reports[i] for i in ids if i in reports), key=lambda r: aware(r.received_at), reverse=True)
    return Links({group: newest(ids) for group, ids in groups.items() if ids},
                 [(r, link_of[r.id]) for r in newest(list(link_of))])


def fill_repeat(dbs: Session, report: Report, links: Links) -> None:
    """"Reported to us before?" from the links: yes when an earlier case shares the address, phone number or
    e-mail address, or staff linked one, unless staff answered it themselves (their answer stands)."""
    if report.repeat_by_staff:
        return
    received = aware(report.received_at)
    strong = [r for group in ("address", "phone", "email") for r in links.possible.get(group, [])]
    earlier = any(aware(r.received_at) < received for r in strong + [r for r, _ in links.linked])
    if earlier and report.repeat is not True:
        report.repeat = True
        dbs.add(report)
        dbs.commit()


def link(dbs: Session, staff: StaffUser, report: Report, other_reference: str, relation: str) -> Report:
    """Link two cases as the same household or person; audited on both."""
    if relation not in RELATIONS:
        raise NotAllowed("not a relation")
    other = find_by_reference(dbs, other_reference)
    if other is None or other.id == report.id or other.id in set(hidden_ids(dbs, staff)):
        raise NotAllowed("no such case")
    first, second = sorted((report.id, other.id))
    existing = dbs.scalar(select(CaseLink).where(CaseLink.report_id == first, CaseLink.other_id == second))
    if existing is None:
        dbs.add(CaseLink(report_id=first, other_id=second, relation=relation, staff_id=staff.id, at=now()))
    else:
        existing.relation = relation
    audit(dbs, staff, "case.linked", report, detail=f"{relation} with:{other.reference}")
    audit(dbs, staff, "case.linked", other, detail=f"{relation} with:{report.reference}")
    later = max((report, other), key=lambda r: aware(r.received_at))
    if not later.repeat_by_staff:
        later.repeat = True
    dbs.commit()
    return other


def unlink(dbs: Session, staff: StaffUser, report: Report, other_reference: str) -> None:
    other = find_by_reference(dbs, other_reference)
    if other is None:
        raise NotAllowed("no such case")
    first, second = sorted((report.id, other.id))
    row = dbs.scalar(select(CaseLink).where(CaseLink.report_id == first, CaseLink.other_id == second))
    if row is None:
        raise NotAllowed("not linked")
    dbs.delete(row)
    audit(dbs, staff, "case.unlinked", report, detail=f"with:{other.reference}")
    audit(dbs, staff, "case.unlinked", other, detail=f"with:{report.reference}")
    dbs.commit()


__all__ = ["Found", "LINK_GROUPS", "Links", "RELATIONS", "fill_repeat", "link", "links_of", "search", "unlink"]
