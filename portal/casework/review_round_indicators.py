"""The board's figures from case reviews (review rounds, MHA 13.2, whg 3.3-3.4): how many cases were reviewed in
the period, and for each checklist point the share of those reviews that found it met, among those where it
applied (Met or Not met: a point answered Not applicable is left out of that point's share). Counted from plain
codes and dates only (`review_round_case.reviewed_on`, `review_round_answer`): nothing here opens anything, and a
review's findings are never read. Every count goes out through the same small-number rule as the other indicators
(portal/casework/indicators_base.py): a share only when the number it is worked out from is large enough, and then
only as a bound where the exact figure would give a small count away."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.store.assurance_models import RoundAnswer, RoundCase

# The built-in points in the checklist's order, written out like the other indicators' codes (so that this module
# imports nothing that can open a sealed value; tests check they are portal/casework/review_checklist.py BUILT_IN).
# A lead's own points (codes "own-<n>") follow, in the order they were added.
POINTS = ("first_contact", "dash", "marac", "sharing", "actions", "preferences", "records")


@dataclass
class ReviewRoundFigures:
    reviewed: Figure  # cases reviewed in the period (a case reviewed in two rounds counts twice)
    met: dict[str, Figure]  # point → reviews that found it met
    applied: dict[str, Figure]  # point → reviews where it applied (met or not met)
    met_percent: dict[str, Percent]  # point → met, of those where it applied

    def rows(self) -> list[tuple[str, str, Figure | Percent | float | None]]:
        out: list[tuple[str, str, Figure | Percent | float | None]] = [("review_rounds", "reviewed", self.reviewed)]
        out += [("review_points_met", k, v) for k, v in self.met.items()]
        out += [("review_points_applied", k, v) for k, v in self.applied.items()]
        out += [("review_points_met_percent", k, v) for k, v in self.met_percent.items()]
        return out


def _order(code: str) -> tuple[int, int, str]:
    if code in POINTS:
        return (0, POINTS.index(code), "")
    number = code.rpartition("-")[2]
    return (1, int(number) if number.isdigit() else 0, code)


def compute_review_rounds(dbs: Session, rule: Disclosure, first: date, last: date) -> ReviewRoundFigures:
    """The figures for reviews recorded on the days `first` to `last` (local days, inclusive)."""
    in_period = (RoundCase.reviewed_on >= first, RoundCase.reviewed_on <= last)
    reviewed = dbs.scalar(select(func.count()).select_from(RoundCase).where(*in_period)) or 0
    met, applied, seen = Counter[str](), Counter[str](), set()
    for point, answer, n in dbs.execute(
            select(RoundAnswer.point, RoundAnswer.answer, func.count())
            .join(RoundCase, RoundCase.id == RoundAnswer.round_case_id).where(*in_period)
            .group_by(RoundAnswer.point, RoundAnswer.answer)):
        seen.add(point)
        if answer in ("met", "not_met"):
            applied[point] += n
            met[point] += n if answer == "met" else 0
    points = sorted(seen, key=_order)  # the points answered in the period (a point turned off is not)
    return ReviewRoundFigures(
        reviewed=rule.one(reviewed),
        met={p: rule.one(met[p]) for p in points},
        applied={p: rule.one(applied[p]) for p in points},
        met_percent={p: rule.percent(met[p], applied[p]) for p in points})
