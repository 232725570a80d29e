"""Performance indicators: staff's answer to "reported to us before?" on each report, and an index for
counting each kind of case entry recorded in a period.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report", sa.Column("repeat", sa.Boolean(), nullable=True))
    op.create_index("ix_case_entry_period", "case_entry", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_entry_period", table_name="case_entry")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("repeat")
