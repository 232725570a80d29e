"""Review rounds: case reviews and compliance audits of casework (MHA 13.2, whg 3.3-3.4). A lead sets a round: a
period (the cases received in it, closed in it, or open at some time in it), how many cases, optionally one
officer's cases. The portal draws a random sample, reproducibly: the candidates' ids, sorted, are shuffled with a
stored seed, and the cases drawn are kept in that order. A lead or an auditor then reviews each case against the
checklist (portal/casework/review_checklist.py), point by point; what they found is sealed, and a follow-up for
the officer becomes a task on the case, owned by the case's owner.

Restricted cases (portal/casework/restriction.py) are drawn like any other, and kept in their place in the order
together with enough unrestricted ones that every reviewer's sample is full: a reviewer's sample is the first
`size` cases of the round that they may see. A restricted case is in the sample only of someone who may see it,
and nobody else's sample is a case short, so nothing shows that it exists.
"""
from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from portal.casework.cases import add_entry
from portal.casework.common import NotAllowed, audit, now, today
from portal.casework.followup import refresh_next
from portal.casework.periods import Period
from portal.casework.restriction import hidden_ids, require_visible
from portal.casework.review_checklist import Point, points_from_json, points_in_force, points_to_json
from portal.intake.reports import current_sealer
from portal.store.assurance_models import (
    ANSWERS,
    ROUND_BASES,
    ROUND_REVIEW_PURPOSE,
    ReviewRound,
    RoundAnswer,
    RoundCase,
)
from portal.store.followup_models import CaseTask
from portal.store.models import CaseEntry, Report, StaffUser
from portal.workdays.working_time import add_working_days

REVIEWERS = ("lead", "auditor")
MAX_SIZE = 100
FOLLOW_UP_KIND = "review_followup"
FOLLOW_UP_DAYS = 10  # working days for the officer to act on what a review found
FINDING_MAX = 20_000  # as a note (forms_case.LONG)


class RoundError(NotAllowed):
    """Something about a review round the rules do not allow."""


class OnlyLeadsSetRounds(RoundError):
    """Only a team lead sets a review round."""


class NotAReviewer(RoundError):
    """Only a team lead or an auditor reviews a case for a round."""


class BadPeriod(RoundError):
    """The period ends before it starts, ends after today, or is longer than three years."""


class BadSize(RoundError):
    """The number of cases is not between 1 and MAX_SIZE."""


class NotAnOfficer(RoundError):
    """The officer chosen is not an officer's or a team lead's account."""


class NothingToDraw(RoundError):
    """No case in the period (of that officer) that the lead setting the round may see."""


class NotInSample(RoundError):
    """This case is not in this reviewer's sample of the round."""


class OwnCase(RoundError):
    """Nobody reviews a case they own."""


class Unanswered(RoundError):
    """Some points of the checklist were not answered (`points`)."""

    def __init__(self, points: list[str]) -> None:
        super().__init__(" ".join(points))
        self.points = points


class NoOneToFollowUp(RoundError):
    """A follow-up needs someone to own it: the case has no active owner, and the lead who set the round has left."""


@dataclass(frozen=True)
class Findings:
    """What a reviewer gives for one case: an answer per point (met, not_met, na), what they found (optional, per
    point), notes, and a follow-up for the officer (optional)."""

    answers: dict[str, str]
    findings: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    follow_up: str = ""


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


def candidates(dbs: Session, basis: str, first: date, last: date, officer_id: int | None) -> list[tuple[str, str]]:
    """The cases a round on this period may draw from, as (id, restricted), by id."""
    start, end = Period.custom(first, last).bounds(_tz())
    if basis == "received":
        where = and_(Report.received_at >= start, Report.received_at < end)
    elif basis == "closed":
        where = and_(Report.is_open.is_(False), Report.closed_at >= start, Report.closed_at < end)
    else:  # open at some time in the period: received before its end, and not closed before its start
        where = and_(Report.received_at < end, or_(Report.is_open.is_(True), Report.closed_at >= start))
    query = select(Report.id, Report.restricted).where(where).order_by(Report.id)
    if officer_id is not None:
        query = query.where(Report.owner_id == officer_id)
    return [(rid, restricted) for rid, restricted in dbs.execute(query)]


def drawn_order(ids: Sequence[str], seed: str) -> list[str]:
    """The draw: the ids sorted, then shuffled by a generator seeded with `seed` (anyone can repeat it)."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return order


def set_round(dbs: Session, lead: StaffUser, *, basis: str, first: date, last: date, size: int,
              officer_id: int | None = None, seed: str | None = None) -> ReviewRound:
    """Set a round and draw its sample. Raises OnlyLeadsSetRounds, BadPeriod, BadSize, NotAnOfficer or
    NothingToDraw (then nothing is stored)."""
    if lead.role != "lead":
        raise OnlyLeadsSetRounds(lead.role)
    if basis not in ROUND_BASES:
        raise BadPeriod(basis)
    if last < first or last > today(_tz()):
        raise BadPeriod(f"{first}..{last}")
    try:
        Period.custom(first, last)
    except ValueError as exc:
        raise BadPeriod(f"{first}..{last}") from exc
    if not 1 <= size <= MAX_SIZE:
        raise BadSize(str(size))
    if officer_id is not None:
        officer = dbs.get(StaffUser, officer_id)
        if officer is None or officer.role not in ("officer", "lead"):
            raise NotAnOfficer(str(officer_id))
    seed = seed or secrets.token_hex(16)
    found = dict(candidates(dbs, basis, first, last, officer_id))
    hidden = set(hidden_ids(dbs, lead))
    if not any(rid not in hidden for rid in found):
        raise NothingToDraw(basis)
    rnd = ReviewRound(created_at=now(), created_by=lead.id, basis=basis, period_first=first, period_last=last,
                      size=size, officer_id=officer_id, seed=seed, points=points_to_json(points_in_force(dbs)))
    dbs.add(rnd)
    dbs.flush()
    open_to_all = 0
    for position, rid in enumerate(drawn_order(list(found), seed), start=1):
        if open_to_all >= size:
            break
        dbs.add(RoundCase(round_id=rnd.id, report_id=rid, position=position))
        open_to_all += 0 if found[rid] else 1
    audit(dbs, lead, "round.set", detail=f"round:{rnd.id} {basis} dates:{first.isoformat()}..{last.isoformat()} "
          f"size:{size}" + (f" officer:{officer_id}" if officer_id is not None else ""))
    dbs.commit()
    return rnd


def rounds(dbs: Session) -> list[ReviewRound]:
    """Every round, newest first."""
    return list(dbs.scalars(select(ReviewRound).order_by(ReviewRound.created_at.desc(), ReviewRound.id.desc())))


def round_points(rnd: ReviewRound) -> list[Point]:
    return points_from_json(rnd.points)


def sample(dbs: Session, staff: StaffUser, rnd: ReviewRound) -> list[tuple[RoundCase, Report]]:
    """This reviewer's sample: the first `size` cases of the round, in the drawn order, that they may see."""
    hidden = set(hidden_ids(dbs, staff))
    rows = dbs.execute(select(RoundCase, Report).join(Report, Report.id == RoundCase.report_id)
                       .where(RoundCase.round_id == rnd.id).order_by(RoundCase.position)).all()
    return [(rc, report) for rc, report in rows if report.id not in hidden][:rnd.size]


def find_case(dbs: Session, staff: StaffUser, rnd: ReviewRound, reference: str) -> tuple[RoundCase, Report]:
    """A case of this reviewer's sample, by its reference. A restricted case they may not see raises CaseRestricted
    (audited, as anywhere); one the round did not draw for them raises NotInSample."""
    row = dbs.execute(select(RoundCase, Report).join(Report, Report.id == RoundCase.report_id)
                      .where(RoundCase.round_id == rnd.id, Report.reference == reference)).first()
    if row is None:
        raise NotInSample(reference)
    rc, report = row
    require_visible(dbs, staff, report)
    if rc.id not in {c.id for c, _r in sample(dbs, staff, rnd)}:
        raise NotInSample(reference)
    return rc, report


def answers_of(dbs: Session, case_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Each reviewed case's answers, point by point (plain codes: nothing is opened)."""
    found: dict[int, dict[str, str]] = {}
    if case_ids:
        for case_id, point, answer in dbs.execute(select(RoundAnswer.round_case_id, RoundAnswer.point,
                                                         RoundAnswer.answer)
                                                  .where(RoundAnswer.round_case_id.in_(list(case_ids)))):
            found.setdefault(case_id, {})[point] = answer
    return found


def results(answers: dict[int, dict[str, str]], points: Sequence[Point]) -> dict[str, Counter[str]]:
    """For each point: how many of the reviewed cases met it, did not, or where it did not apply."""
    return {p.code: Counter(a[p.code] for a in answers.values() if p.code in a) for p in points}


def follow_ups(dbs: Session, rnd: ReviewRound, report_ids: Sequence[str]) -> dict[str, list[CaseTask]]:
    """The follow-up tasks this round gave each case (codes, dates and states only)."""
    found: dict[str, list[CaseTask]] = {}
    if report_ids:
        for task in dbs.scalars(select(CaseTask).join(CaseEntry, CaseEntry.id == CaseTask.entry_id)
                                .where(CaseTask.report_id.in_(list(report_ids)), CaseEntry.kind == "followup",
                                       CaseEntry.code == f"round:{rnd.id}").order_by(CaseTask.id)):
            found.setdefault(task.report_id, []).append(task)
    return found


def _follow_up_owner(dbs: Session, report: Report, rnd: ReviewRound) -> int:
    for candidate in (report.owner_id, rnd.created_by):
        person = dbs.get(StaffUser, candidate) if candidate else None
        if person is not None and person.active and person.role in ("officer", "lead"):
            return person.id
    raise NoOneToFollowUp(report.reference)


def record_case_review(dbs: Session, staff: StaffUser, rnd: ReviewRound, rc: RoundCase, report: Report,
                       given: Findings) -> RoundCase:
    """Record (or record again) the review of a case of this reviewer's sample: an answer for every point of the
    round's checklist; the findings and notes sealed; a follow-up, if given, a task on the case for its owner (or,
    with no active owner, for the lead who set the round), with its words sealed on the case. Nothing else on the
    case changes. Raises NotAReviewer, NotInSample, OwnCase, Unanswered or NoOneToFollowUp."""
    if staff.role not in REVIEWERS:
        raise NotAReviewer(staff.role)
    require_visible(dbs, staff, report)
    if rc.report_id != report.id or rc.id not in {c.id for c, _r in sample(dbs, staff, rnd)}:
        raise NotInSample(report.reference)
    if report.owner_id == staff.id:
        raise OwnCase(report.reference)
    codes = [p.code for p in round_points(rnd)]
    missing = [code for code in codes if given.answers.get(code) not in ANSWERS]
    if missing:
        raise Unanswered(missing)
    follow_up = given.follow_up.strip()
    owner_id = _follow_up_owner(dbs, report, rnd) if follow_up else None
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing: nothing is written
    again = rc.reviewed_at is not None
    rc.reviewed_at, rc.reviewed_on, rc.reviewed_by, rc.key_id = now(), today(_tz()), staff.id, sealer.key_id
    findings = {code: text[:FINDING_MAX] for code in codes if (text := given.findings.get(code, "").strip())}
    rc.sealed = sealer.seal_json({"findings": findings, "notes": given.notes.strip()}, ROUND_REVIEW_PURPOSE,
                                 str(rc.id))
    dbs.execute(delete(RoundAnswer).where(RoundAnswer.round_case_id == rc.id))
    dbs.add_all(RoundAnswer(round_case_id=rc.id, point=code, answer=given.answers[code]) for code in codes)
    counts = Counter(given.answers[code] for code in codes)
    audit(dbs, staff, "round.case_reviewed", report, detail=" ".join(
        [f"round:{rnd.id}", *(f"{a}:{counts[a]}" for a in ANSWERS)] + (["again"] if again else [])
        + (["follow_up"] if follow_up else [])))
    if owner_id is not None:
        _add_follow_up(dbs, staff, rnd, report, owner_id, follow_up)
    dbs.commit()
    return rc


def _add_follow_up(dbs: Session, staff: StaffUser, rnd: ReviewRound, report: Report, owner_id: int,
                   text: str) -> CaseTask:
    """The follow-up's words sealed on the case (an entry of kind `followup`), and its task for the owner, due in
    FOLLOW_UP_DAYS working days: in their tasks, their daily digest and on the case."""
    entry = add_entry(dbs, report, staff, "followup", {"text": text}, code=f"round:{rnd.id}", commit=False)
    on = today(_tz())
    task = CaseTask(report_id=report.id, entry_id=entry.id, kind=FOLLOW_UP_KIND, created_at=now(),
                    created_by=staff.id, owner_id=owner_id, target_days=FOLLOW_UP_DAYS, state="planned",
                    due_on=add_working_days(on, FOLLOW_UP_DAYS, current_app.config["NATION"]))
    dbs.add(task)
    dbs.flush()
    audit(dbs, staff, "case.task_added", report, detail=f"{task.id} {FOLLOW_UP_KIND} planned")
    refresh_next(dbs, report)
    return task


__all__ = ["BadPeriod", "BadSize", "Findings", "FOLLOW_UP_KIND", "MAX_SIZE", "NoOneToFollowUp", "NotAReviewer",
           "NotAnOfficer", "NotInSample", "NothingToDraw", "OnlyLeadsSetRounds", "OwnCase", "REVIEWERS",
           "RoundError", "Unanswered", "answers_of", "candidates", "drawn_order", "find_case", "follow_ups",
           "record_case_review", "results", "round_points", "rounds", "sample", "set_round"]
