"""The audit log's filters: indexes for who did it and what was done, each with the time, so that a filtered page
of the log (newest first, paged by time and id) reads only the rows it shows, at millions of rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_event_actor_at", "audit_event", ["actor", "at"])
    op.create_index("ix_audit_event_action_at", "audit_event", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_action_at", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_at", table_name="audit_event")
