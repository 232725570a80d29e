"""One case file: how a disclosure reached us and who took it, restricted cases and who may see them, the
blind index for search and linking, links between cases, and whether "reported before?" was staff's answer.

Reports already here came through the website, are open to the team, and are not yet indexed (`portal index`
indexes them on the triage side; so does the first opening of each). A repeat answer already given was staff's.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("repeat_by_staff", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("channel", sa.String(16), nullable=False, server_default="web"))
        batch.add_column(sa.Column("taken_by", sa.Integer(), sa.ForeignKey("staff_user.id", name="fk_report_taken_by"),
                                   nullable=True))
        batch.add_column(sa.Column("restricted", sa.String(8), nullable=False, server_default=""))
        batch.add_column(sa.Column("indexed_key", sa.String(16), nullable=True))
    report = sa.table("report", sa.column("repeat"), sa.column("repeat_by_staff"))
    op.execute(report.update().where(report.c.repeat.is_not(None)).values(repeat_by_staff=sa.true()))
    op.create_index("ix_report_restricted", "report", ["id", "restricted"], sqlite_where=sa.text("restricted != ''"),
                    postgresql_where=sa.text("restricted != ''"))
    op.create_index("ix_report_unindexed", "report", ["received_at", "id"], sqlite_where=sa.text("indexed_key IS NULL"),
                    postgresql_where=sa.text("indexed_key IS NULL"))
    op.create_table(
        "blind_index",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index("ix_blind_index_digest", "blind_index", ["digest", "report_id"])
    op.create_table(
        "case_link",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("other_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("report_id", "other_id", name="uq_case_link_pair"),
    )
    op.create_table(
        "case_access",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("granted_by", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_access")
    op.drop_table("case_link")
    op.drop_index("ix_blind_index_digest", table_name="blind_index")
    op.drop_table("blind_index")
    op.drop_index("ix_report_unindexed", table_name="report")
    op.drop_index("ix_report_restricted", table_name="report")
    with op.batch_alter_table("report") as batch:
        for column in ("indexed_key", "restricted", "taken_by", "channel", "repeat_by_staff"):
            batch.drop_column(column)
