"""The board's equality monitoring figures, from the monthly totals in `equality_count` only (nothing here opens
anything): each question's answers over the period's whole months, under the small-number rule. The totals are
written by portal/casework/equality.py."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.indicators_base import Disclosure, Figure
from portal.store.models import EqualityCount, Report
from portal.store.plain_models import EQUALITY_ANSWERS as ANSWERS

QUESTIONS = tuple(ANSWERS)
NOT_ANSWERED = "not_answered"


def waiting(dbs: Session) -> int:
    """How many reports' answers are still to be counted."""
    return dbs.scalar(select(func.count()).select_from(Report).where(Report.equality_pending.is_(True))) or 0


@dataclass
class EqualityFigures:
    asked: Figure  # reports counted in the period's whole months whose form asked the questions
    by_question: dict[str, dict[str, Figure]]  # question → answer (with "not_answered") → count
    waiting_now: int  # reports not yet counted, whatever the period (a count of pending work, not of people)
    months: list[str]
    published: bool = True  # False: figures leaving the team for a period that is not a whole quarter (withheld)

    def rows(self) -> list[tuple[str, str, Figure | None]]:
        out: list[tuple[str, str, Figure | None]] = [("equality", "asked", self.asked)]
        for question, answers in self.by_question.items():
            out += [(f"equality_{question}", answer, figure) for answer, figure in answers.items()]
        return out


def compute_equality(dbs: Session, rule: Disclosure, months: list[str], *, published: bool = True) -> EqualityFigures:
    """The totals of the period's whole months (they are kept by month), each question's answers a group under the
    small-number rule. Not `published` (what leaves the team, for a period other than a quarter): every figure is
    withheld, as overlapping periods (a month, the months around it, chosen dates) would let one be taken from
    another to find a small number that each hides."""
    if not published:
        hidden = Figure(None, rule.threshold, secondary=True)
        return EqualityFigures(asked=hidden, by_question={q: {a: hidden for a in (*ANSWERS[q], NOT_ANSWERED)}
                                                          for q in QUESTIONS},
                               waiting_now=0, months=list(months), published=False)
    counts = Counter[tuple[str, str]]()
    if months:
        for question, answer, n in dbs.execute(
                select(EqualityCount.question, EqualityCount.answer, func.sum(EqualityCount.n))
                .where(EqualityCount.month.in_(months)).group_by(EqualityCount.question, EqualityCount.answer)):
            counts[(question, answer)] += int(n or 0)
    asked = sum(n for (question, _answer), n in counts.items() if question == QUESTIONS[0])
    by_question = {q: rule.group({a: counts[(q, a)] for a in (*ANSWERS[q], NOT_ANSWERED)}) for q in QUESTIONS}
    return EqualityFigures(asked=rule.one(asked), by_question=by_question, waiting_now=waiting(dbs),
                           months=list(months))
