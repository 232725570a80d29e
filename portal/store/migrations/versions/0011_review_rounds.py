"""Review rounds: a lead's compliance audit of casework (MHA 13.2, whg 3.3-3.4). A round, the cases it drew (in the
seeded order), and each reviewed case's answer per checklist point. New tables only: nothing already stored
changes, and a populated database upgrades as it stands.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _staff(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "review_round",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _staff("created_by", nullable=False),
        sa.Column("basis", sa.String(8), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        _staff("officer_id"),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("points", sa.Text(), nullable=False),
    )
    op.create_table(
        "review_round_case",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_round.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        _staff("reviewed_by"),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.UniqueConstraint("round_id", "report_id", name="uq_review_round_case"),
    )
    op.create_index("ix_review_round_case_reviewed", "review_round_case", ["reviewed_on"])
    op.create_table(
        "review_round_answer",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_case_id", sa.Integer(), sa.ForeignKey("review_round_case.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("point", sa.String(40), nullable=False),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.UniqueConstraint("round_case_id", "point", name="uq_review_round_answer"),
    )


def downgrade() -> None:
    op.drop_table("review_round_answer")
    op.drop_index("ix_review_round_case_reviewed", table_name="review_round_case")
    op.drop_table("review_round_case")
    op.drop_table("review_round")
