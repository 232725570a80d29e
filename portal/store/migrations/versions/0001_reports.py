"""Reports, audit events and server-side sessions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("first_contact_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reporter_kind", sa.String(16), nullable=False),
        sa.Column("danger_now", sa.Boolean(), nullable=False),
        sa.Column("children", sa.Boolean(), nullable=False),
        sa.Column("contact_language", sa.String(2), nullable=False),
        sa.Column("no_contact", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("idempotency_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_report_status_due", "report", ["status", "first_contact_due"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="SET NULL"), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("web_session")
    op.drop_table("audit_event")
    op.drop_index("ix_report_status_due", table_name="report")
    op.drop_table("report")
