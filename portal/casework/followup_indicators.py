"""The board's figures on follow-through, from plaintext codes and dates only (nothing here opens anything), through
the same small-number rule as the other indicators:

- actions done within their target, by kind (the action's top-level code: "referral.idva" counts as "referral"):
  among tasks done in the period (`done_on` in it), those with `done_on` on or before `due_on`;
- reviews on time: among reviews in the period that answered a review date, those on or before it;
- cases monitored after closure: cases closed in the period with check-ins set;
- repeat within 12 months of closure: reports received in the period linked (as the same household or person) to
  a case closed in the 12 months before the report;
- costs: among tasks done in the period, by kind, how many have a cost recorded and what they cost in all (in
  pounds); a total is not shown when the number behind it is small (a single lock change's price would say that
  one was fitted).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.store.followup_models import CaseReview, CaseTask, MonitorCheckin
from portal.store.models import CaseLink, Report

# The task kinds (top level) in the order the page lists them, written out like the other indicators' codes; any
# other kind found is listed after them.
TASK_KINDS = ("security", "repairs", "rehousing", "breathing_space", "money_advice", "referral", "perpetrator",
              "safety_plan", "breathing_space_end")
REPEAT_WINDOW = timedelta(days=365)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; we only ever store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class FollowupFigures:
    tasks_done: dict[str, Figure]  # kind → tasks done in the period
    tasks_in_target: dict[str, Figure]  # kind → of those, done by their due date
    tasks_in_target_percent: dict[str, Percent]
    reviews: Figure  # reviews in the period that answered a review date
    reviews_on_time: Figure
    reviews_on_time_percent: Percent
    closed_monitored: Figure  # cases closed in the period, with monitoring after closure
    repeat_after_closure: Figure  # reports received in the period, linked to a case closed in the year before
    costed: dict[str, Figure]  # kind → tasks done in the period with a cost recorded
    cost_pounds: dict[str, float | None]  # kind → their total cost, None when `costed` is suppressed

    def rows(self) -> list[tuple[str, str, Figure | Percent | float | None]]:
        out: list[tuple[str, str, Figure | Percent | float | None]] = []
        out += [("tasks_done", k, v) for k, v in self.tasks_done.items()]
        out += [("tasks_in_target", k, v) for k, v in self.tasks_in_target.items()]
        out += [("tasks_in_target_percent", k, v) for k, v in self.tasks_in_target_percent.items()]
        out += [("follow_up", "reviews", self.reviews), ("follow_up", "reviews_on_time", self.reviews_on_time),
                ("follow_up", "reviews_on_time_percent", self.reviews_on_time_percent),
                ("follow_up", "closed_monitored", self.closed_monitored),
                ("follow_up", "repeat_after_closure", self.repeat_after_closure)]
        out += [("costed", k, v) for k, v in self.costed.items()]
        out += [("cost_pounds", k, v) for k, v in self.cost_pounds.items()]
        return out


def _repeats(dbs: Session, start: datetime, end: datetime) -> int:
    received = {rid: at for rid, at in dbs.execute(select(Report.id, Report.received_at)
                                                   .where(Report.received_at >= start, Report.received_at < end))}
    if not received:
        return 0
    ids = list(received)
    pairs = dbs.execute(select(CaseLink.report_id, CaseLink.other_id)
                        .where(or_(CaseLink.report_id.in_(ids), CaseLink.other_id.in_(ids)))).all()
    others = {b if a in received else a for a, b in pairs} | {a for a, b in pairs if b in received}
    closed = {rid: at for rid, at in dbs.execute(select(Report.id, Report.closed_at)
                                                 .where(Report.id.in_(others), Report.closed_at.is_not(None)))}
    found = set()
    for a, b in pairs:
        for new, old in ((a, b), (b, a)):
            closed_at = closed.get(old)
            if new in received and closed_at is not None:
                at = aware(received[new])
                if at - REPEAT_WINDOW <= aware(closed_at) < at:
                    found.add(new)
    return len(found)


def compute_followup(dbs: Session, rule: Disclosure, start: datetime, end: datetime, first: date,
                     last: date) -> FollowupFigures:
    """The period is [start, end) as moments and [first, last] as dates."""
    done, in_target, costed, pence = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    finished = and_(CaseTask.state == "done", CaseTask.done_on >= first, CaseTask.done_on <= last)
    for kind, in_time, n in dbs.execute(
            select(CaseTask.kind, CaseTask.done_on <= CaseTask.due_on, func.count()).where(finished)
            .group_by(CaseTask.kind, CaseTask.done_on <= CaseTask.due_on)):
        head = kind.partition(".")[0]
        done[head] += n
        in_target[head] += n if in_time else 0
    for kind, n, total in dbs.execute(select(CaseTask.kind, func.count(), func.sum(CaseTask.cost_pence))
                                      .where(finished, CaseTask.cost_pence.is_not(None)).group_by(CaseTask.kind)):
        head = kind.partition(".")[0]
        costed[head] += n
        pence[head] += int(total or 0)
    kinds = [*TASK_KINDS, *sorted(k for k in done if k not in TASK_KINDS)]

    answered = and_(CaseReview.reviewed_on >= first, CaseReview.reviewed_on <= last, CaseReview.due_on.is_not(None))
    reviews = dbs.scalar(select(func.count()).select_from(CaseReview).where(answered)) or 0
    on_time = dbs.scalar(select(func.count()).select_from(CaseReview)
                         .where(answered, CaseReview.reviewed_on <= CaseReview.due_on)) or 0

    monitored = dbs.scalar(select(func.count()).select_from(Report).where(
        Report.closed_at >= start, Report.closed_at < end, Report.is_open.is_(False),
        exists().where(MonitorCheckin.report_id == Report.id))) or 0

    return FollowupFigures(
        tasks_done=rule.group({k: done[k] for k in kinds}, total_shown=False),
        tasks_in_target={k: rule.one(in_target[k]) for k in kinds},
        tasks_in_target_percent={k: rule.percent(in_target[k], done[k]) for k in kinds},
        reviews=rule.one(reviews), reviews_on_time=rule.one(on_time),
        reviews_on_time_percent=rule.percent(on_time, reviews),
        closed_monitored=rule.one(monitored), repeat_after_closure=rule.one(_repeats(dbs, start, end)),
        costed={k: rule.one(costed[k]) for k in kinds},
        cost_pounds={k: None if rule.one(costed[k]).suppressed else round(pence[k] / 100, 2) for k in kinds})
