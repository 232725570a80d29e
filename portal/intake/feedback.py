"""What a reporter signed in with their receipt may send besides messages: a complaint about how we handled their
report (MHA 12.1, whg 3.5), and, once the case is closed and only where it is safe, answers to a few optional
questions about how we did (VIVID 3.8 and 4.6, MHA 13.1).

Both are sealed here, on the public side, to the team's public key, which can seal and never open. A complaint is
sealed to the receipt key as well (as messages are), so that the reporter can read back what they sent; deleting
the conversation erases that copy (portal/intake/conversations.py `delete`). It reaches the team's case with no
owner or deadline yet: the triage side dates it from the day it arrived (portal/casework/complaints.py).

Feedback is asked for only through the receipt, never by any other way, and nothing prompts anyone to contact
the person for it. It is offered (`feedback_offered`) only to the person at risk on their own report, once the case
is closed (not as a duplicate), while the conversation lasts, when neither the case nor the person's latest
safe-contact profile says not to contact them, and when staff have not judged that asking would be unsafe; and once
only (answered or declined). The answers are sealed on the case; their codes also go, by month and with nothing
that leads back to the case, into `FeedbackTally` for the board's counts.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from portal.crypto.keys import public_from_raw
from portal.crypto.sealing import CannotOpen, Opener, Sealer
from portal.intake.conversations import LANGUAGES, NoConversation, key_pair
from portal.intake.reports import current_sealer
from portal.store.complaint_models import (
    COMPLAINT_PURPOSE,
    COMPLAINT_REPORTER_PURPOSE,
    COMPLAINT_TOPICS,
    FEEDBACK_ANSWERS,
    FEEDBACK_PURPOSE,
    Complaint,
    FeedbackTally,
    SurvivorFeedback,
)
from portal.store.models import ContactProfile, Conversation, Report

MAX_COMPLAINT = 20_000
MAX_COMMENT = 5_000
NOT_ASKED_AFTER = ("duplicate",)  # a duplicate's person is asked on the case that carried on, if anywhere


class ComplaintNotStored(Exception):
    """The complaint could not be sealed or stored: the person keeps what they wrote and is told."""


class FeedbackNotStored(Exception):
    """The answers could not be sealed or stored: the person keeps what they chose and is told."""


class FeedbackNotAsked(Exception):
    """Feedback is not asked for on this case (still open, not safe to ask, or already asked)."""


@dataclass(frozen=True)
class ReporterComplaint:
    """A complaint as the reporter who made it reads it back: when, what they wrote, and a safe state word."""

    id: str
    received_on: date
    state: str  # open | responded | closed
    due_on: date | None
    text: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _local(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def submission_hash(submission_key: str) -> str:
    """What a complaint keeps of its form's one-time key (staff's form or the reporter's): a double tap finds it."""
    return hashlib.sha256(b"complaint:" + submission_key.encode("utf-8")).hexdigest()


def topics(chosen: list[str] | None) -> list[str]:
    """The topic codes chosen, in their usual order, anything else dropped."""
    return [code for code in COMPLAINT_TOPICS if code in (chosen or [])]


# --- a complaint through the receipt -----------------------------------------------------------------------

def complain(dbs: Session, conversation: Conversation, about: list[str], text: str, language: str,
             submission_key: str, now: datetime | None = None) -> None:
    """Store a complaint from the reporter, sealed to the team and to their receipt. A double tap (the same
    submission key) stores it once. Raises NoConversation or ComplaintNotStored."""
    if conversation.public_key is None or conversation.deleted_at is not None:
        raise NoConversation(conversation.id)
    moment = now or _now()
    complaint_id, key_hash, body = str(uuid.uuid4()), submission_hash(submission_key), {"text": text}
    try:
        team = current_sealer()
        sealed = team.seal_json(body, COMPLAINT_PURPOSE, complaint_id)
        own = Sealer(public_from_raw(conversation.public_key)).seal_json(body, COMPLAINT_REPORTER_PURPOSE,
                                                                        complaint_id)
    except Exception as exc:  # any sealing failure: nothing is stored as if it had been sealed
        raise ComplaintNotStored("sealing failed") from exc
    # Every column is given here: the public role may insert, and read back only a few columns.
    dbs.add(Complaint(id=complaint_id, report_id=conversation.report_id, received_on=_local(moment), at=moment,
                      channel="receipt", about=" ".join(topics(about)),
                      language=language if language in LANGUAGES else "en", recorded_by=None, owner_id=None,
                      due_on=None, target_days=0, state="open", outcome="", responded_on=None, closed_on=None,
                      announced=False, idempotency_hash=key_hash, key_id=team.key_id, sealed=sealed,
                      reporter_sealed=own, response_key_id=None, response_sealed=None))
    try:
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
        if dbs.scalar(select(Complaint.id).where(Complaint.idempotency_hash == key_hash)) is None:
            raise ComplaintNotStored("not stored") from None
    except SQLAlchemyError as exc:
        dbs.rollback()
        raise ComplaintNotStored("database unavailable") from exc


def reporter_complaints(dbs: Session, conversation: Conversation, seed: bytes) -> list[ReporterComplaint]:
    """The complaints this reporter made through the receipt, oldest first, opened with the receipt's key."""
    _public, private = key_pair(seed)
    opener = Opener({private.key_id: private})
    rows = dbs.execute(select(Complaint.id, Complaint.received_on, Complaint.state, Complaint.due_on,
                              Complaint.reporter_sealed)
                       .where(Complaint.report_id == conversation.report_id, Complaint.reporter_sealed.is_not(None))
                       .order_by(Complaint.received_on, Complaint.at)).all()
    shown = []
    for row in rows:
        try:
            text = str(opener.open_json(row.reporter_sealed, COMPLAINT_REPORTER_PURPOSE, row.id).get("text", ""))
        except CannotOpen:
            continue  # cannot happen with the right seed; never show a broken complaint as if it were one
        shown.append(ReporterComplaint(row.id, row.received_on, row.state, row.due_on, text))
    return shown


# --- the survivor's feedback ---------------------------------------------------------------------------------

def _latest_approach(dbs: Session, report: Report) -> str:
    """How the person may be approached, as their newest safe-contact profile says, even one a reporter has
    just written that the triage side has not applied yet (the plain `approach` column the public side left)."""
    newest = dbs.scalar(select(ContactProfile.approach).where(ContactProfile.report_id == report.id,
                                                              ContactProfile.about == "person",
                                                              ContactProfile.approach.is_not(None))
                        .order_by(ContactProfile.version.desc()).limit(1))
    return newest or report.approach


def safe_to_ask(dbs: Session, report: Report, conversation: Conversation | None) -> bool:
    """Whether this case's person may be asked, once it is closed: the receipt is their own, the conversation
    lasts, and neither the case nor their latest profile says not to contact them (nor was it closed as a
    duplicate). Whether they have been asked already, or staff withheld it, is `feedback_offered`'s to check."""
    if report.reporter_kind != "self" or report.close_reason in NOT_ASKED_AFTER:
        return False
    if conversation is None or conversation.deleted_at is not None or conversation.public_key is None:
        return False
    return not (report.no_contact or report.approach == "not_at_all"
                or _latest_approach(dbs, report) == "not_at_all")


def feedback_offered(dbs: Session, report: Report, conversation: Conversation) -> bool:
    """Whether the receipt's page may offer the questions now (see the module's docstring)."""
    if report.is_open or not safe_to_ask(dbs, report, conversation):
        return False
    asked = dbs.scalar(select(SurvivorFeedback.state).where(SurvivorFeedback.report_id == report.id))
    return asked is None


def _answer(value: str | None) -> str:
    return value if value in FEEDBACK_ANSWERS else ""


def _store(dbs: Session, row: SurvivorFeedback, tally: FeedbackTally | None) -> None:
    dbs.add(row)
    if tally is not None:
        dbs.add(tally)
    try:
        dbs.commit()
    except IntegrityError:
        dbs.rollback()  # a double tap: the first one is stored, and counted once
        if dbs.scalar(select(SurvivorFeedback.id).where(SurvivorFeedback.report_id == row.report_id)) is None:
            raise FeedbackNotStored("not stored") from None
    except SQLAlchemyError as exc:
        dbs.rollback()
        raise FeedbackNotStored("database unavailable") from exc


def give_feedback(dbs: Session, conversation: Conversation, *, safer: str | None, contact_way: str | None,
                  comment: str, language: str, now: datetime | None = None) -> None:
    """Store the survivor's answers, sealed to the team, and their codes in the tally. Raises FeedbackNotAsked when
    the case does not ask (or no longer does), FeedbackNotStored when it cannot be stored."""
    report = dbs.get(Report, conversation.report_id)
    if report is None or not feedback_offered(dbs, report, conversation):
        raise FeedbackNotAsked(conversation.report_id)
    moment = now or _now()
    row_id = str(uuid.uuid4())
    answers = {"safer": _answer(safer), "contact_way": _answer(contact_way), "comment": comment.strip()}
    try:
        sealer = current_sealer()
        sealed = sealer.seal_json(answers, FEEDBACK_PURPOSE, row_id)
    except Exception as exc:
        raise FeedbackNotStored("sealing failed") from exc
    row = SurvivorFeedback(id=row_id, report_id=report.id, at=moment, state="given", staff_id=None,
                           language=language if language in LANGUAGES else "en", key_id=sealer.key_id, sealed=sealed)
    tally = FeedbackTally(id=str(uuid.uuid4()), month=f"{_local(moment):%Y-%m}", safer=answers["safer"],
                          contact_way=answers["contact_way"], commented=bool(answers["comment"]))
    _store(dbs, row, tally)


def decline_feedback(dbs: Session, conversation: Conversation, language: str, now: datetime | None = None) -> None:
    """"No thank you": the questions are not offered again. Raises FeedbackNotAsked or FeedbackNotStored."""
    report = dbs.get(Report, conversation.report_id)
    if report is None or not feedback_offered(dbs, report, conversation):
        raise FeedbackNotAsked(conversation.report_id)
    _store(dbs, SurvivorFeedback(id=str(uuid.uuid4()), report_id=report.id, at=now or _now(), state="declined",
                                 staff_id=None, language=language if language in LANGUAGES else "en", key_id=None,
                                 sealed=None), None)
