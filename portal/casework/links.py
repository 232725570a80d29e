"""Search and links, without plaintext: staff search by reference, name, address, postcode, phone number or
e-mail address (the query is normalised and digested under the index key, never stored or logged); a case
shows its possible links (other cases at the same address, with the same phone number or e-mail address, or
the same name) and the cases staff linked as the same household or person. "Reported to us before?" follows
from them unless staff answered it themselves. Restricted cases the viewer may not see are never found."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from portal.casework.common import NotAllowed, audit, aware, now
from portal.casework.indexing import earlier_match, index_key
from portal.casework.restriction import hidden_ids
from portal.crypto import blind_index
from portal.intake.reports import find_by_reference
from portal.store.models import BlindIndex, CaseLink, Report, StaffUser

RELATIONS = ("household", "person")
SEARCH_LIMIT = 50
# What a possible link is made of, strongest first: the same address (the household, or the same street
# address where neither postcode says otherwise), phone number, e-mail address; then the same name.
LINKS_SHOWN = 10  # per group, newest first; the rest are counted
LINKS_COUNTED = 1000  # "1000 other cases" means 1000 or more


@dataclass
class Found:
    report: Report
    matched: set[str] = field(default_factory=set)  # which kinds of value matched
    glass: bool = False  # restricted, and this lead is not named: opening it needs a reason


@dataclass
class Group:
    count: int  # how many other cases, up to LINKS_COUNTED
    newest: list[Report]  # the newest LINKS_SHOWN of them

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.newest))


@dataclass
class Links:
    possible: dict[str, Group]  # group → other cases
    linked: list[tuple[Report, str]]  # (other case, relation)


def probe_kinds(query: str) -> tuple[str, ...]:
    """Which kinds of value a query is, by its shape, so that it is looked up only as what it can be: a phone
    number is not also a name, and a full address is not also its postcode (which would find the whole street)."""
    text = query.strip()
    if blind_index.normalise_email(text):
        return ("email", "reporter_email")
    if re.fullmatch(r"[0-9+() .-]+", text) and blind_index.normalise_phone(text):
        return ("phone", "reporter_phone")
    postcode = blind_index.postcode_of(text)
    if postcode and not blind_index.POSTCODE.sub(" ", text).strip(" ,.;\n"):
        return ("postcode",)
    if blind_index.values("street", text):
        return ("address",) if postcode else ("street",)
    return ("name", "reporter_name")


def _plain_kind(kind: str) -> str:
    return "name" if kind == "reporter_name" else kind.removeprefix("reporter_")


def _newest(dbs: Session, digests: list[str], exclude: set[str], limit: int) -> list[Report]:
    """The newest reports holding any of these digests (not `exclude`), without their sealed column."""
    if not digests:
        return []
    holders = select(BlindIndex.report_id).where(BlindIndex.digest.in_(digests))
    query = (select(Report).options(defer(Report.sealed)).where(Report.id.in_(holders))
             .order_by(Report.received_at.desc(), Report.id).limit(limit + len(exclude)))
    return [r for r in dbs.scalars(query) if r.id not in exclude][:limit]


def search(dbs: Session, staff: StaffUser, query: str) -> list[Found]:
    """Cases matching what was typed, newest first. Audited without the query (only how many were found)."""
    wanted = query.strip()
    hidden = set(hidden_ids(dbs, staff))
    found: dict[str, Found] = {}
    by_reference = find_by_reference(dbs, wanted)
    if by_reference is not None and (by_reference.id not in hidden or staff.role == "lead"):
        # A lead may open a restricted case with a reason (the glass): by its reference only, never by its values.
        found[by_reference.id] = Found(by_reference, {"reference"}, glass=by_reference.id in hidden)
    if by_reference is None and len(wanted) <= 500:
        key = index_key()
        probes = {key.digest(kind, value): kind for kind in probe_kinds(wanted)
                  for value in blind_index.values(_plain_kind(kind), wanted)}
        reports = _newest(dbs, list(probes), hidden, SEARCH_LIMIT)
        matched: dict[str, set[str]] = defaultdict(set)
        if reports:
            for report_id, digest in dbs.execute(select(BlindIndex.report_id, BlindIndex.digest).where(
                    BlindIndex.report_id.in_([r.id for r in reports]), BlindIndex.digest.in_(list(probes)))):
                matched[report_id].add(probes[digest])
        for report in reports:
            found[report.id] = Found(report, matched[report.id])
    results = sorted(found.values(), key=lambda f: aware(f.report.received_at), reverse=True)[:SEARCH_LIMIT]
    audit(dbs, staff, "search.run", None, detail=f"found:{len(results)}")
    dbs.commit()
    return results


def _count(dbs: Session, digests: list[str], exclude: set[str]) -> int:
    holders = (select(BlindIndex.report_id).where(BlindIndex.digest.in_(digests)).distinct()
               .limit(LINKS_COUNTED + len(exclude)).subquery())
    everyone = dbs.scalar(select(func.count()).select_from(holders)) or 0
    among = dbs.scalar(select(func.count()).select_from(
        select(BlindIndex.report_id).where(BlindIndex.digest.in_(digests),
                                           BlindIndex.report_id.in_(list(exclude))).distinct().subquery())) or 0
    return min(LINKS_COUNTED, everyone - among)


def links_of(dbs: Session, staff: StaffUser, report: Report) -> Links:
    """This case's possible links (from the index) and the links staff made, leaving out what the viewer may
    not see. Reads only digests and plaintext columns: nothing is opened."""
    hidden = set(hidden_ids(dbs, staff)) | {report.id}
    mine: dict[str, list[str]] = defaultdict(list)
    for kind, digest in dbs.execute(select(BlindIndex.kind, BlindIndex.digest).where(
            BlindIndex.report_id == report.id)):
        mine[kind].append(digest)
    possible: dict[str, Group] = {}
    # The same street address counts where the postcodes do not differ: elsewhere it is another street.
    same_street = [r for r in _newest(dbs, mine["street"], hidden, 200) if not _postcodes_differ(dbs, mine, r)]
    by_address = {r.id: r for r in _newest(dbs, mine["address"], hidden, LINKS_SHOWN)} | {r.id: r for r in
                                                                                           same_street}
    if by_address:
        newest = sorted(by_address.values(), key=lambda r: aware(r.received_at), reverse=True)
        count = max(_count(dbs, mine["address"], hidden) if mine["address"] else 0, len(by_address))
        possible["address"] = Group(count, newest[:LINKS_SHOWN])
    for group in ("phone", "email", "name"):
        newest = _newest(dbs, mine[group], hidden, LINKS_SHOWN)
        if newest:
            possible[group] = Group(_count(dbs, mine[group], hidden), newest)
    linked_rows = dbs.execute(select(CaseLink).where(or_(CaseLink.report_id == report.id,
                                                         CaseLink.other_id == report.id))).scalars().all()
    link_of = {(row.other_id if row.report_id == report.id else row.report_id): row.relation for row in linked_rows}
    link_of = {rid: relation for rid, relation in link_of.items() if rid not in hidden}
    linked = sorted(dbs.scalars(select(Report).options(defer(Report.sealed)).where(Report.id.in_(list(link_of)))),
                    key=lambda r: aware(r.received_at), reverse=True) if link_of else []
    return Links(possible, [(r, link_of[r.id]) for r in linked])


def _postcodes_differ(dbs: Session, mine: dict[str, list[str]], other: Report) -> bool:
    if not mine["postcode"]:
        return False
    theirs = set(dbs.scalars(select(BlindIndex.digest).where(BlindIndex.report_id == other.id,
                                                             BlindIndex.kind == "postcode")))
    return bool(theirs) and not theirs & set(mine["postcode"])


def fill_repeat(dbs: Session, report: Report, links: Links) -> None:
    """"Reported to us before?" from the links: yes when an earlier case shares the address, phone number or
    e-mail address (`earlier_match`), or staff linked an earlier one, unless staff answered it themselves (their
    answer stands)."""
    if report.repeat_by_staff or report.repeat is True:
        return
    received = aware(report.received_at)
    if any(aware(r.received_at) < received for r, _ in links.linked) or earlier_match(dbs, report):
        report.repeat = True
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


__all__ = ["Found", "Group", "Links", "RELATIONS", "fill_repeat", "link", "links_of", "search", "unlink"]
