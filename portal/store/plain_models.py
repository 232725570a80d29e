"""Tables holding nothing sealed: server-side sessions, the settings a lead changes, what is left of purged
cases (counts only), and the equality monitoring answers' monthly totals."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.model_base import Base


class WebSession(Base):
    """Server-side sessions: the cookie holds only a random id; we store its SHA-256."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Setting(Base):
    """Settings a team lead may change in the staff screens (the rest is deployment configuration)."""

    __tablename__ = "setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PurgedTally(Base):
    """What is left of purged cases: counts by month received, kind and closing reason. Nothing else."""

    __tablename__ = "purged_tally"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    reporter_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    close_reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# The equality monitoring questions and each one's answer codes, in the order the board lists them (the forms'
# choices, portal/questions/equality.py, must agree; docs/benchmark-schema.md defines them).
EQUALITY_ANSWERS: dict[str, tuple[str, ...]] = {
    "age": ("under_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_over", "prefer_not", "not_known"),
    "sex": ("female", "male", "prefer_not", "not_known"),
    "disability": ("yes", "no", "prefer_not", "not_known"),
    "ethnic": ("asian", "black", "mixed", "white", "other", "prefer_not", "not_known"),
}


class EqualityCount(Base):
    """How many reports in a month gave each answer to each equality monitoring question ("not_answered" for one
    left empty): totals only, written by the triage side in batches (portal/casework/equality.py). No row holds a
    case, so it outlives purging."""

    __tablename__ = "equality_count"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, the local month it was received
    question: Mapped[str] = mapped_column(String(16), primary_key=True)  # age | sex | disability | ethnic
    answer: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
