"""Costs: what each task cost the landlord (a lock change, a repair), in pence, if anyone recorded it, for the
indicators' totals by kind and period. Existing tasks have no cost recorded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_task") as batch:
        batch.add_column(sa.Column("cost_pence", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_task") as batch:
        batch.drop_column("cost_pence")
