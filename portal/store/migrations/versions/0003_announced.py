"""Each report remembers whether the team has been e-mailed about it (`portal notify`).

A time marker missed reports that became visible after a later one had been announced: one committed a
moment late, or one replayed from the spool after an outage. A flag per report misses none.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report", sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Only the few not yet announced are ever looked for.
    op.create_index("ix_report_unannounced", "report", ["id"], sqlite_where=sa.text("announced = 0"),
                    postgresql_where=sa.text("NOT announced"))
    # Reports the old marker had already covered were announced.
    bind = op.get_bind()
    setting = sa.table("setting", sa.column("name", sa.String()), sa.column("value", sa.Text()))
    marker = bind.execute(sa.select(setting.c.value).where(setting.c.name == "notify_marker")).scalar()
    if marker:
        report = sa.table("report", sa.column("received_at", sa.DateTime(timezone=True)),
                          sa.column("announced", sa.Boolean()))
        try:
            moment = datetime.fromisoformat(marker)
        except ValueError:
            moment = None  # a damaged marker: announce everything once rather than nothing
        if moment is not None:
            bind.execute(sa.update(report).where(report.c.received_at <= moment).values(announced=True))
        bind.execute(sa.delete(setting).where(setting.c.name == "notify_marker"))


def downgrade() -> None:
    op.drop_index("ix_report_unannounced", table_name="report")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("announced")
