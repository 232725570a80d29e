"""The board's figures on complaints and survivors' feedback (MHA 13.2: complaints and feedback used to improve the
service; VIVID 3.8), from plaintext codes and dates only (nothing here opens anything), through the same
small-number rule as the other indicators:

- complaints received in the period (the day they reached us), by how they reached us;
- responded to within the deadline: among complaints responded to in the period, those on or before their
  deadline; and those waiting for a response past their deadline now, whatever the period;
- by outcome: complaints whose outcome was recorded in the period (responded to, or withdrawn);
- feedback given through the receipt, and each question's answers, from `FeedbackTally`, which is kept by month and
  holds nothing that leads back to a case: a period counts the whole months in it (a month or a quarter is whole).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.store.complaint_models import Complaint, FeedbackTally

# The codes, written out as the other indicators' are (tests/casework/test_complaint_indicators.py checks they agree
# with portal/store/complaint_models.py).
CHANNELS = ("phone", "letter", "email", "in_person", "receipt", "agency")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")
ANSWERS = ("yes", "partly", "no", "not_sure", "")  # "" the question was left unanswered


@dataclass
class ComplaintFigures:
    received: Figure
    by_channel: dict[str, Figure]
    responded: Figure  # responded to in the period
    in_time: Figure  # …of those, on or before their deadline
    in_time_percent: Percent
    overdue_now: Figure  # waiting for a response past the deadline, today
    by_outcome: dict[str, Figure]
    feedback: Figure  # feedback given through the receipt, in the period's whole months
    safer: dict[str, Figure]  # "Do you feel safer?"
    contact_way: dict[str, Figure]  # "Did we contact you in the way you asked?"
    comments: Figure
    feedback_months: list[str]

    def rows(self) -> list[tuple[str, str, Figure | Percent | float | None]]:
        out: list[tuple[str, str, Figure | Percent | float | None]] = [("complaints", "received", self.received)]
        out += [("complaints_by_channel", k, v) for k, v in self.by_channel.items()]
        out += [("complaints", "responded", self.responded), ("complaints", "in_time", self.in_time),
                ("complaints", "in_time_percent", self.in_time_percent),
                ("complaints", "overdue_now", self.overdue_now)]
        out += [("complaints_by_outcome", k, v) for k, v in self.by_outcome.items()]
        out += [("feedback", "given", self.feedback), ("feedback", "comments", self.comments)]
        # A question left unanswered is written "not_answered": every code in the CSV is a word.
        out += [("feedback_safer", k or "not_answered", v) for k, v in self.safer.items()]
        out += [("feedback_contact_way", k or "not_answered", v) for k, v in self.contact_way.items()]
        return out


def compute_complaints(dbs: Session, rule: Disclosure, first: date, last: date, months: list[str],
                       today: date) -> ComplaintFigures:
    """The period is [first, last] as local dates; `months` its whole months (YYYY-MM); `today` for overdue now."""
    channels = Counter[str](dict(dbs.execute(
        select(Complaint.channel, func.count()).where(Complaint.received_on >= first, Complaint.received_on <= last)
        .group_by(Complaint.channel)).all()))
    answered = and_(Complaint.responded_on >= first, Complaint.responded_on <= last)
    responded = dbs.scalar(select(func.count()).select_from(Complaint).where(answered)) or 0
    in_time = dbs.scalar(select(func.count()).select_from(Complaint)
                         .where(answered, Complaint.responded_on <= Complaint.due_on)) or 0
    overdue = dbs.scalar(select(func.count()).select_from(Complaint)
                         .where(Complaint.state == "open", Complaint.due_on < today)) or 0
    withdrawn = and_(Complaint.outcome == "withdrawn", Complaint.closed_on >= first, Complaint.closed_on <= last)
    outcomes = Counter[str](dict(dbs.execute(
        select(Complaint.outcome, func.count()).where(or_(and_(answered, Complaint.outcome != "withdrawn"), withdrawn))
        .group_by(Complaint.outcome)).all()))

    safer, contact_way = Counter[str](), Counter[str]()
    comments = given = 0
    if months:
        for said_safer, said_way, commented, n in dbs.execute(
                select(FeedbackTally.safer, FeedbackTally.contact_way, FeedbackTally.commented, func.count())
                .where(FeedbackTally.month.in_(months))
                .group_by(FeedbackTally.safer, FeedbackTally.contact_way, FeedbackTally.commented)):
            given += n
            safer[said_safer] += n
            contact_way[said_way] += n
            comments += n if commented else 0

    return ComplaintFigures(
        received=rule.one(sum(channels.values())), by_channel=rule.group({c: channels[c] for c in CHANNELS}),
        responded=rule.one(responded), in_time=rule.one(in_time), in_time_percent=rule.percent(in_time, responded),
        overdue_now=rule.one(overdue), by_outcome=rule.group({o: outcomes[o] for o in OUTCOMES}),
        feedback=rule.one(given), safer=rule.group({a: safer[a] for a in ANSWERS}),
        contact_way=rule.group({a: contact_way[a] for a in ANSWERS}), comments=rule.one(comments),
        feedback_months=list(months))
