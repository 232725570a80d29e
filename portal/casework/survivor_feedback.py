"""A survivor's feedback on the staff side: what they said (opened with the case), or whether they will be asked;
and a caseworker's judgement that asking would not be safe on this case (VIVID 4.6: asking for feedback may not
always be appropriate or safe), which can be undone while they have not been asked. Nothing here contacts anyone
or prompts anyone to: the questions are offered only on the receipt's own pages (portal/intake/feedback.py)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, warn_unopened
from portal.crypto.sealing import Unopened, try_open
from portal.intake.conversations import for_report
from portal.intake.feedback import safe_to_ask
from portal.store.complaint_models import FEEDBACK_PURPOSE, SurvivorFeedback
from portal.store.models import Report, StaffUser

# given, declined, withheld: as stored; offered: closed, and the receipt's page offers the questions now; later: it
# will once the case is closed; never: not their own receipt, no receipt (or deleted), or no contact at all.
STATUSES = ("given", "declined", "withheld", "offered", "later", "never")


class AlreadyAsked(NotAllowed):
    """They have answered or declined already (or asking is already withheld): nothing to withhold."""


class NotWithheld(NotAllowed):
    """Only a withheld question can be allowed again."""


@dataclass
class FeedbackView:
    status: str
    row: SurvivorFeedback | None = None
    answers: dict[str, Any] = field(default_factory=dict)  # {"safer", "contact_way", "comment"}
    staff_name: str = ""  # who withheld it
    unopened: Unopened | None = None


def _row(dbs: Session, report: Report) -> SurvivorFeedback | None:
    return dbs.scalar(select(SurvivorFeedback).where(SurvivorFeedback.report_id == report.id))


def feedback_of(dbs: Session, report: Report) -> FeedbackView:
    """What the case page shows of the survivor's feedback (their answers opened: call this only after `open_case`
    has audited the opening)."""
    row = _row(dbs, report)
    if row is None:
        if not safe_to_ask(dbs, report, for_report(dbs, report.id)):
            return FeedbackView("never")
        return FeedbackView("later" if report.is_open else "offered")
    view = FeedbackView(row.state, row)
    if row.staff_id is not None:
        staff = dbs.get(StaffUser, row.staff_id)
        view.staff_name = (staff.name or staff.email) if staff else "?"
    if row.sealed is not None:
        opened = try_open(opener(), row.sealed, FEEDBACK_PURPOSE, row.id)
        warn_unopened("survivor's feedback", opened)
        view.answers = opened_json(opened)
        view.unopened = opened if isinstance(opened, Unopened) else None
    return view


def withhold(dbs: Session, report: Report, staff: StaffUser) -> None:
    """Do not ask this case's survivor for feedback (a caseworker's judgement that it would not be safe)."""
    if _row(dbs, report) is not None:
        raise AlreadyAsked(report.id)
    dbs.add(SurvivorFeedback(id=str(uuid.uuid4()), report_id=report.id, at=now(), state="withheld",
                             staff_id=staff.id, language=""))
    audit(dbs, staff, "case.feedback_withheld", report)
    dbs.commit()


def allow_again(dbs: Session, report: Report, staff: StaffUser) -> None:
    """Undo `withhold`: the receipt's page may offer the questions once the case is closed, where it is safe."""
    row = _row(dbs, report)
    if row is None or row.state != "withheld":
        raise NotWithheld(report.id)
    dbs.execute(delete(SurvivorFeedback).where(SurvivorFeedback.id == row.id))
    audit(dbs, staff, "case.feedback_allowed", report)
    dbs.commit()
