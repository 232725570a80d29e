"""Tables. Only what the queue must sort and filter on is plaintext; everything that could identify or
describe anyone lives in `Report.sealed`. See docs/data-map.md."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Report(Base):
    __tablename__ = "report"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_contact_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reporter_kind: Mapped[str] = mapped_column(String(16))  # self | concerned | agency
    danger_now: Mapped[bool] = mapped_column(Boolean, default=False)
    children: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_language: Mapped[str] = mapped_column(String(2))  # en | cy
    no_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24), default="new")
    # SHA-256 of the form's one-time submission token: a double tap or a retry finds the first report.
    idempotency_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_report_status_due", "status", "first_contact_due"),)


class AuditEvent(Base):
    """Append-only: who did what to which report, and when. Never content."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class WebSession(Base):
    """Server-side sessions: the cookie holds only a random id; we store its SHA-256."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
