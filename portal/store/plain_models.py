"""Tables holding nothing sealed: server-side sessions, the settings a lead changes, and what is left of purged
cases (counts only)."""
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
