"""Tables for risk and what follows from it: risk assessments (ours and other agencies'), incidents, MARAC
referrals and their packs, consent, information shared and on what lawful basis, safeguarding referrals, and
closures a lead must sign off. Codes, dates and counts are plain; everything anyone wrote is sealed."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.model_base import Base, team_sealed

# The purposes bound into each seal. "risk" and "share" are the purposes the case entries these tables took over
# were sealed with, so migration 0008 moved those records across without opening them.
RISK_PURPOSE = "risk"
SHARE_PURPOSE = "share"
INCIDENT_PURPOSE = "incident"
MARAC_PURPOSE = "marac"
MARAC_PACK_PURPOSE = "marac-pack"
CONSENT_PURPOSE = "consent"
SAFEGUARDING_PURPOSE = "safeguarding"
SAFEGUARDING_OUTCOME_PURPOSE = "safeguarding-outcome"
CLOSURE_PURPOSE = "closure"


class RiskAssessment(Base):
    """One risk assessment: our own DASH checklist (possibly part-done), or another agency's assessment recorded
    as they gave it (tool, date, score or grade). Scores from different tools are never compared as one scale."""

    __tablename__ = "risk_assessment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # recorded
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # None: from a form
    source: Mapped[str] = mapped_column(String(8))  # ours | agency | form (the agency's answer on its referral)
    tool: Mapped[str] = mapped_column(String(8))  # dash | dara | other
    agency: Mapped[str] = mapped_column(String(16), default="", server_default="")  # who assessed, if not us
    assessed_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # DASH: the number of "yes" answers
    grade: Mapped[str] = mapped_column(String(8), default="", server_default="")  # standard | medium | high
    # The level this assessment gives ("" while a checklist is part-done): standard | medium | high.
    level: Mapped[str] = mapped_column(String(8), default="", server_default="")
    complete: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    judgement: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # refer on judgement
    marac_planned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=RISK_PURPOSE)

    __table_args__ = (Index("ix_risk_assessment_period", "at", "source"),)


class Incident(Base):
    """An incident recorded on a case (a police call-out, or another incident told to us): the potential-escalation
    and repeat MARAC criteria count them."""

    __tablename__ = "incident"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    police: Mapped[bool] = mapped_column(Boolean, default=True)  # the police were called out
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=INCIDENT_PURPOSE)  # incident number, what happened


class MaracReferral(Base):
    """A referral to MARAC: which of the four criteria were met, consent (and the override reason without it),
    when it was sent, the meeting, its outcome and the housing actions agreed; and the referral pack as the officer
    reviewed it, sealed separately (never the code word or cover name)."""

    __tablename__ = "marac_referral"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    visible_high: Mapped[bool] = mapped_column(Boolean, default=False)
    judgement: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[str] = mapped_column(String(12))  # given | refused | not_sought
    person_aware: Mapped[str] = mapped_column(String(8), default="unknown")  # yes | no | unknown
    sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    meeting_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=MARAC_PURPOSE)  # reasons, outcome, housing actions
    pack_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    pack_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pack_sealed: Mapped[bytes | None] = team_sealed(purpose=MARAC_PACK_PURPOSE, key_column="pack_key_id",
                                                   nullable=True)

    __table_args__ = (Index("ix_marac_referral_period", "at"),)


class ConsentRecord(Base):
    """What the person at risk agreed to, as they told staff (the report's own answer is the first word): the
    kinds of agency we may share with, and MARAC. Sealed; the sharing service checks each share against it."""

    __tablename__ = "consent_record"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=CONSENT_PURPOSE)


class InfoShare(Base):
    """Information shared: with whom, when (never in the future), what (sealed) and on what lawful basis. Without
    consent it needs a reason (sealed) and a lead's countersignature by `countersign_due`."""

    __tablename__ = "info_share"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    recipient: Mapped[str] = mapped_column(String(16))  # the kind of agency
    shared_on: Mapped[date] = mapped_column(Date)
    # consent | safeguarding (high risk, a child or adult at risk, vital interests) | agreement | s115 | marac |
    # court (a court order or legal obligation)
    basis: Mapped[str] = mapped_column(String(16))
    agreement: Mapped[str] = mapped_column(String(32), default="", server_default="")  # which agreement
    # The reporter's page may say that this kind of agency was told (the officer judged it safe).
    tell_reporter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    countersign_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    countersigned_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=SHARE_PURPOSE)

    __table_args__ = (
        Index("ix_info_share_period", "shared_on", "basis"),
        Index("ix_info_share_uncountersigned", "countersign_due",
              sqlite_where=text("countersign_due IS NOT NULL AND countersigned_at IS NULL"),
              postgresql_where=text("countersign_due IS NOT NULL AND countersigned_at IS NULL")),
    )


class SafeguardingReferral(Base):
    """A safeguarding referral: for a child (under 16, or under 18), an adult at risk, or modern slavery or
    exploitation (the police, or the National Referral Mechanism through a first responder), and its outcome.
    What was referred is sealed when it is recorded; the outcome's note is sealed apart when it comes, so that
    recording it never opens what was referred (portal/casework/safeguarding.py)."""

    __tablename__ = "safeguarding_referral"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    concern: Mapped[str] = mapped_column(String(12))  # child | adult | exploitation
    # childrens_services | adult_social_care | police | nrm (through a first responder) | other
    referred_to: Mapped[str] = mapped_column(String(24))
    referred_on: Mapped[date] = mapped_column(Date)
    # "" awaited | accepted | strategy (a strategy meeting or enquiry) | nfa (no further action) | declined | other
    outcome: Mapped[str] = mapped_column(String(24), default="", server_default="")
    outcome_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # recorded
    outcome_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=SAFEGUARDING_PURPOSE)  # what was referred; another agency's name
    outcome_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome_sealed: Mapped[bytes | None] = team_sealed(purpose=SAFEGUARDING_OUTCOME_PURPOSE,
                                                       key_column="outcome_key_id", nullable=True)


class ClosureRequest(Base):
    """Closing a case with something still open (a high-risk case with no MARAC referral, a breathing space
    running, no risk assessment at all, …): the reason is sealed, what was open is listed as codes, and a lead
    signs it off (or sends it back) before the case closes."""

    __tablename__ = "closure_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    close_reason: Mapped[str] = mapped_column(String(32))
    open_items: Mapped[str] = mapped_column(String(200))  # codes, space-separated
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | approved | declined
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=CLOSURE_PURPOSE)  # the reason; the lead's note

    __table_args__ = (Index("ix_closure_request_pending", "at", sqlite_where=text("state = 'pending'"),
                            postgresql_where=text("state = 'pending'")),)
