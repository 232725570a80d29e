"""Tables for assurance: review rounds (a lead's compliance audit of casework, MHA 13.2, whg 3.3-3.4), the cases
each round drew, and each reviewed case's answer per checklist point. Codes, dates and who are plain; the
reviewer's findings are sealed like any case content."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.model_base import Base, team_sealed

ROUND_REVIEW_PURPOSE = "round-review"
ROUND_BASES = ("received", "closed", "open")  # which dates of a case the period is about
ANSWERS = ("met", "not_met", "na")


class ReviewRound(Base):
    """A round of case reviews a lead set: a period (cases received in it, closed in it, or open at some time in
    it), how many cases to draw, optionally one officer's cases only. `seed` drew the sample (the candidates'
    ids, sorted, shuffled by Python's `random.Random(seed)`); the cases drawn are kept in `review_round_case`, so
    the sample stays what it was when cases change later. `points` is the checklist in force when the round was
    set (JSON: built-in codes, and a lead's own points with their English and Welsh wording)."""

    __tablename__ = "review_round"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    basis: Mapped[str] = mapped_column(String(8))  # received | closed | open
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    size: Mapped[int] = mapped_column(Integer)  # how many cases each reviewer's sample holds (at most)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # the case owner
    seed: Mapped[str] = mapped_column(String(64))
    points: Mapped[str] = mapped_column(Text)


class RoundCase(Base):
    """A case a round drew, at its place in the seeded order (`position`). A reviewer's sample is the first
    `size` of these that they may see (portal/casework/restriction.py), so a restricted case is only ever in the
    sample of someone who may see it and nobody else's sample is short of it. Once reviewed: when, by whom, and
    the findings sealed (purpose `round-review`, bound to the row's id)."""

    __tablename__ = "review_round_case"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_round.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the local day: the indicators' period
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sealed: Mapped[bytes | None] = team_sealed(purpose=ROUND_REVIEW_PURPOSE, nullable=True)

    __table_args__ = (UniqueConstraint("round_id", "report_id", name="uq_review_round_case"),
                      Index("ix_review_round_case_reviewed", "reviewed_on"))


class RoundAnswer(Base):
    """One checklist point of a reviewed case: met, not met, or not applicable."""

    __tablename__ = "review_round_answer"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_case_id: Mapped[int] = mapped_column(ForeignKey("review_round_case.id", ondelete="CASCADE"), index=True)
    point: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(8))  # met | not_met | na

    __table_args__ = (UniqueConstraint("round_case_id", "point", name="uq_review_round_answer"),)
