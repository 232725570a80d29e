"""Complaints about how a case was handled (recorded by staff, or made through the receipt) and survivors' feedback
through the receipt, with its tally for the board's counts. New tables only: nothing already stored changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = "state = 'open'"


def _report_id(unique: bool = False) -> sa.Column:
    return sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                     index=not unique, unique=unique)


def _staff(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True)


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.String(36), primary_key=True),
        _report_id(),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("about", sa.String(80), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        _staff("recorded_by"), _staff("owner_id"),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("target_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("idempotency_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reporter_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("response_key_id", sa.String(16), nullable=True),
        sa.Column("response_sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_complaint_open", "complaint", ["due_on", "report_id"], sqlite_where=sa.text(OPEN),
                    postgresql_where=sa.text(OPEN))
    op.create_index("ix_complaint_received", "complaint", ["received_on"])
    op.create_index("ix_complaint_unannounced", "complaint", ["id"], sqlite_where=sa.text("announced = 0"),
                    postgresql_where=sa.text("NOT announced"))
    op.create_table(
        "survivor_feedback",
        sa.Column("id", sa.String(36), primary_key=True),
        _report_id(unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        _staff("staff_id"),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_table(
        "feedback_tally",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("safer", sa.String(8), nullable=False),
        sa.Column("contact_way", sa.String(8), nullable=False),
        sa.Column("commented", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback_tally")
    op.drop_table("survivor_feedback")
    for name in ("ix_complaint_unannounced", "ix_complaint_received", "ix_complaint_open"):
        op.drop_index(name, table_name="complaint")
    op.drop_table("complaint")
