"""Staff accounts, the queue's sort columns and indexes, case entries, settings, purge tallies;
the audit log becomes append-only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

QUEUE_INDEXES = {
    "ix_report_queue": ["is_open", "band", "contacted", "first_contact_due", "id", "reporter_kind",
                        "contact_language", "danger_now", "children", "no_contact", "owner_id"],
    "ix_report_owner_queue": ["owner_id", "is_open", "band", "contacted", "first_contact_due", "id"],
    "ix_report_status_queue": ["status", "band", "contacted", "first_contact_due", "id"],
    "ix_report_closed_at": ["is_open", "closed_at"],
    "ix_report_overdue": ["is_open", "contacted", "first_contact_due"],
}


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(200), nullable=False),
        sa.Column("totp_enrolled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("is_open", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("band", sa.Integer(), nullable=False, server_default="2"))
        batch.add_column(sa.Column("contacted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("first_contact_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("owner_id", sa.Integer(), sa.ForeignKey("staff_user.id", name="fk_report_owner"),
                                   nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("close_reason", sa.String(32), nullable=True))
    op.execute("UPDATE report SET band = CASE WHEN danger_now THEN 0 WHEN children THEN 1 ELSE 2 END")
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, "report", columns)

    # The audit trail outlives purged cases: report_id becomes a plain column, not a foreign key.
    _drop_audit_fk()
    op.create_index("ix_audit_event_report_id", "audit_event", ["report_id"])
    _append_only("audit_event")

    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("profile_checked", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "case_entry",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_case_entry_kind", "case_entry", ["kind", "code"])
    op.create_table(
        "setting",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "purged_tally",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("reporter_kind", sa.String(16), primary_key=True),
        sa.Column("close_reason", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def _drop_audit_fk() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for fk in sa.inspect(bind).get_foreign_keys("audit_event"):
            op.drop_constraint(fk["name"], "audit_event", type_="foreignkey")
        return
    # SQLite cannot drop a constraint: rebuild the table without it, rows and ids kept.
    op.create_table(
        "audit_event_new",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.execute("INSERT INTO audit_event_new (id, at, actor, action, report_id, detail) "
               "SELECT id, at, actor, action, report_id, detail FROM audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_table("audit_event")
    op.rename_table("audit_event_new", "audit_event")
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on the table, in the database itself (not only in our code)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION portal_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'append-only table'; END; $$ LANGUAGE plpgsql""")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION portal_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       "BEGIN SELECT RAISE(ABORT, 'append-only table'); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS portal_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.drop_table("purged_tally")
    op.drop_table("setting")
    op.drop_table("case_entry")
    op.drop_table("contact_attempt")
    op.drop_index("ix_audit_event_report_id", table_name="audit_event")
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name="report")
    with op.batch_alter_table("report") as batch:
        for column in ("close_reason", "closed_at", "owner_id", "first_contact_at", "contacted", "band", "is_open"):
            batch.drop_column(column)
    op.drop_table("staff_user")
