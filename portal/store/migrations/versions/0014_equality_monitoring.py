"""Equality monitoring: whether a report's equality answers (sealed with it) are still to be counted, and the
monthly totals they are counted into. Existing reports were never asked, so none is pending.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("equality_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_report_equality_pending", "report", ["received_at", "id"],
                    sqlite_where=sa.text("equality_pending = 1"), postgresql_where=sa.text("equality_pending"))
    op.create_table(
        "equality_count",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("question", sa.String(16), primary_key=True),
        sa.Column("answer", sa.String(16), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("equality_count")
    op.drop_index("ix_report_equality_pending", table_name="report")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("equality_pending")
