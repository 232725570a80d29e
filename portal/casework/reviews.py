"""Reviews of an open case after first contact: a short recorded step at the interval its risk level sets
(app.config REVIEW_DAYS: high weekly, medium fortnightly, standard monthly). Has the risk changed? Has there been
a new incident? Are the safety measures still right (MHA 4.2.8: revisit them when a case escalates)?

The answers are plain booleans; the notes are sealed (purpose "review", bound to the row's id). A review answers
the review date that was due (`due_on`) and sets the next one: by default one interval from today for the risk
level; an officer may choose an earlier date, never a later one (the interval is the most a case may wait).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, today, warn_unopened
from portal.casework.followup import refresh_next, review_after
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.followup_models import REVIEW_PURPOSE, CaseReview
from portal.store.models import Report, StaffUser

__all__ = ["CaseNotOpen", "NextReviewTooLate", "NextReviewNotAhead", "OpenedReview", "default_next_review",
           "opened_reviews", "record_review", "reviews_of"]


class CaseNotOpen(NotAllowed):
    """Only an open case that has been contacted is reviewed."""


class NextReviewTooLate(NotAllowed):
    """The next review chosen is later than the risk level's interval allows."""


class NextReviewNotAhead(NotAllowed):
    """The next review chosen is not after today."""


@dataclass
class OpenedReview:
    review: CaseReview
    staff_name: str
    content: dict[str, Any]  # {"notes"}; {} when it would not open
    unopened: Unopened | None = None


def default_next_review(report: Report) -> date:
    """The next review date a review recorded today sets, unless the officer chooses an earlier one."""
    return review_after(today(current_app.config["TIMEZONE"]), report.risk_level)


def record_review(dbs: Session, report: Report, staff: StaffUser, risk_changed: bool, new_incident: bool,
                  measures_ok: bool, notes: str, next_review_on: date | None = None) -> CaseReview:
    """Record a review made today, answering the review that was due, and set the next one (the default for the
    risk level, or an earlier date after today). Raises CaseNotOpen, NextReviewTooLate or NextReviewNotAhead."""
    if not report.is_open or not report.contacted:
        raise CaseNotOpen("not an open, contacted case")
    day = today(current_app.config["TIMEZONE"])
    latest = default_next_review(report)
    chosen = next_review_on or latest
    if chosen <= day:
        raise NextReviewNotAhead(chosen.isoformat())
    if chosen > latest:
        raise NextReviewTooLate(chosen.isoformat())
    sealer = current_sealer()
    row = CaseReview(id=str(uuid.uuid4()), report_id=report.id, at=now(), staff_id=staff.id,
                     due_on=report.next_review_on, reviewed_on=day, risk_changed=bool(risk_changed),
                     new_incident=bool(new_incident), measures_ok=bool(measures_ok), next_review_on=chosen,
                     key_id=sealer.key_id)
    row.sealed = sealer.seal_json({"notes": notes}, REVIEW_PURPOSE, row.id)
    dbs.add(row)
    report.next_review_on = chosen
    codes = [code for code, on in (("risk_changed", risk_changed), ("new_incident", new_incident),
                                   ("measures_not_ok", not measures_ok)) if on]
    audit(dbs, staff, "case.review_recorded", report,
          detail=" ".join(codes + [("on_time" if row.due_on is None or day <= row.due_on else "late")]))
    dbs.flush()
    refresh_next(dbs, report)
    dbs.commit()
    return row


def reviews_of(dbs: Session, report: Report) -> list[CaseReview]:
    """The case's reviews, newest first (dates and answers only: nothing is opened)."""
    return list(dbs.scalars(select(CaseReview).where(CaseReview.report_id == report.id)
                            .order_by(CaseReview.reviewed_on.desc(), CaseReview.at.desc())))


def opened_reviews(dbs: Session, report: Report) -> list[OpenedReview]:
    """Every review with its notes opened: call this only after `portal.casework.cases.open_case` has audited
    the opening."""
    found = reviews_of(dbs, report)
    if not found:
        return []
    keys = opener()
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    result = []
    for review in found:
        sealed = try_open(keys, review.sealed, REVIEW_PURPOSE, review.id)
        warn_unopened("case review", sealed)
        result.append(OpenedReview(review, names.get(review.staff_id, "?"), opened_json(sealed),
                                   sealed if isinstance(sealed, Unopened) else None))
    return result
