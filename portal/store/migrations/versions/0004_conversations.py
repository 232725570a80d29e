"""Reporters' conversations with the team: a receipt-opened conversation per report, and its messages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("lookup", sa.String(64), nullable=True, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_tried", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversation.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_reporter", sa.Boolean(), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("seen", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("idempotency_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reporter_sealed", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_message_waiting", "message", ["report_id"],
                    sqlite_where=sa.text("from_reporter = 1 AND seen = 0"),
                    postgresql_where=sa.text("from_reporter AND NOT seen"))
    op.create_index("ix_message_unannounced", "message", ["id"],
                    sqlite_where=sa.text("from_reporter = 1 AND announced = 0"),
                    postgresql_where=sa.text("from_reporter AND NOT announced"))


def downgrade() -> None:
    op.drop_table("message")
    op.drop_table("conversation")
