"""Tables for complaints about how a case was handled (MHA 12.1, whg 3.5) and for survivors' feedback given through
the receipt (VIVID 3.8 and 4.6, MHA 13.1). Codes, dates and states are plain, because the queue and the indicators
need them; what anyone wrote is sealed. A survivor's answers are sealed on their case: the board's counts come from
`FeedbackTally`, which holds the answers' codes by month and nothing that leads back to a case."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.model_base import Base, receipt_sealed, team_sealed

COMPLAINT_PURPOSE = "complaint"
COMPLAINT_REPORTER_PURPOSE = "complaint-reporter"
COMPLAINT_RESPONSE_PURPOSE = "complaint-response"
FEEDBACK_PURPOSE = "feedback"

# How a complaint reached us: by phone, letter, e-mail, in person, through the reporter's receipt, or from an agency.
COMPLAINT_CHANNELS = ("phone", "letter", "email", "in_person", "receipt", "agency")
# What it is about: how or when we made contact, how long things took, how they were treated, the help offered,
# how information was shared or kept private, something else.
COMPLAINT_TOPICS = ("contact", "delay", "treatment", "help", "sharing", "other")
# open: waiting for our response (the deadline runs); responded: answered, waiting to be closed; closed.
COMPLAINT_STATES = ("open", "responded", "closed")
COMPLAINT_OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")
# A survivor's answers to "Do you feel safer?" and "Did we contact you in the way you asked?" ("" not answered).
FEEDBACK_ANSWERS = ("yes", "partly", "no", "not_sure")
# given: they answered; declined: they said no thank you; withheld: staff judged that asking would not be safe.
FEEDBACK_STATES = ("given", "declined", "withheld")
_OPEN = "state = 'open'"


class Complaint(Base):
    """A complaint about how a case was handled, recorded by staff from any channel or made by the reporter through
    their receipt (then sealed on the public side, which can seal and never open, and also sealed to the receipt so
    that the reporter can read back what they sent). The response deadline is `due_on`, in working days from
    `received_on` (None: a complaint through the receipt the triage side has not dated yet, see
    portal/casework/complaints.py `date_new`)."""

    __tablename__ = "complaint"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into each seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when it was recorded
    channel: Mapped[str] = mapped_column(String(12))
    about: Mapped[str] = mapped_column(String(80), default="")  # topic codes, space-separated
    language: Mapped[str] = mapped_column(String(2))  # en | cy: the language to respond in
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # None: the reporter
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    target_days: Mapped[int] = mapped_column(Integer, default=0)  # the working days it was given
    state: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    responded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Through the receipt: counted in the team's content-free e-mail (portal notify). Staff's own: True.
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the reporter's one-time form key: a double tap stores one complaint.
    idempotency_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=COMPLAINT_PURPOSE)  # what it is about, in their words
    reporter_sealed: Mapped[bytes | None] = receipt_sealed()
    response_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    response_sealed: Mapped[bytes | None] = team_sealed(purpose=COMPLAINT_RESPONSE_PURPOSE,
                                                        key_column="response_key_id", nullable=True)

    __table_args__ = (
        # Open complaints by deadline: the complaints page, the queue's line, "overdue now".
        Index("ix_complaint_open", "due_on", "report_id", sqlite_where=text(_OPEN), postgresql_where=text(_OPEN)),
        Index("ix_complaint_received", "received_on"),
        Index("ix_complaint_unannounced", "id", sqlite_where=text("announced = 0"),
              postgresql_where=text("NOT announced")),
    )


class SurvivorFeedback(Base):
    """Whether the survivor was asked for feedback on a closed case, through their receipt only, and what they said
    (sealed: the answers and the comment). One row per case at most, so they are asked once."""

    __tablename__ = "survivor_feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # who withheld it
    language: Mapped[str] = mapped_column(String(2), default="")
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sealed: Mapped[bytes | None] = team_sealed(purpose=FEEDBACK_PURPOSE, nullable=True)


class FeedbackTally(Base):
    """One survivor's answers as codes, by the month they were given, for the board's counts. It holds no case, no
    time and no words, and its id is random, so it cannot be matched back to a case; it outlives purging."""

    __tablename__ = "feedback_tally"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    safer: Mapped[str] = mapped_column(String(8), default="")
    contact_way: Mapped[str] = mapped_column(String(8), default="")
    commented: Mapped[bool] = mapped_column(Boolean, default=False)
