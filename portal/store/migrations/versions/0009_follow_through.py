"""Follow-through: tasks for actions, case reviews, monitoring after closure, perpetrators and action against them,
and the staff's own routing details.

Each action already recorded becomes a task in its place, owned by whoever recorded it: done on the day it was
recorded, except a breathing space still running, which is in progress and gets its end task (due a week before it
ends). Every report's next thing is its first-contact deadline until it is contacted; an open case already contacted
is due its first review a standard interval after first contact (or triage), so cases never reviewed show as such.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_TASK = "state IN ('planned', 'in_progress')"
FIRST_REVIEW_DAYS = {"high": 7, "medium": 14}  # else 30, as PORTAL_REVIEW_DAYS has it by default
BREATHING_NOTICE = timedelta(days=7)


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def _sealed(prefix: str = "", nullable: bool = False) -> list[sa.Column]:
    return [sa.Column(f"{prefix}key_id", sa.String(16), nullable=nullable),
            sa.Column(f"{prefix}sealed", sa.LargeBinary(), nullable=nullable)]


def _report_id() -> sa.Column:
    return sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                     index=True)


def _staff(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(_flag("can_authorise"))
        batch.add_column(sa.Column("sex", sa.String(8), nullable=False, server_default=""))
        batch.add_column(_flag("speaks_welsh"))
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("next_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_kind", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("next_review_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("monitor_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("staff_sex", sa.String(8), nullable=False, server_default=""))
    op.execute("UPDATE report SET next_due = first_contact_due")
    _first_reviews()
    with op.batch_alter_table("report") as batch:
        batch.alter_column("next_due", existing_type=sa.DateTime(timezone=True), nullable=False)
    for name in ("ix_report_queue", "ix_report_owner_queue", "ix_report_status_queue"):
        op.drop_index(name, table_name="report")
    _report_indexes("next_due")
    op.create_index("ix_report_review", "report", ["is_open", "next_review_on"])
    op.create_index("ix_report_monitored", "report", ["monitor_until"],
                    sqlite_where=sa.text("monitor_until IS NOT NULL"),
                    postgresql_where=sa.text("monitor_until IS NOT NULL"))

    op.create_table(
        "case_task",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _report_id(),
        sa.Column("entry_id", sa.String(36), sa.ForeignKey("case_entry.id", ondelete="CASCADE"), nullable=True,
                  index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _staff("created_by"), _staff("owner_id"),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("target_days", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("state", sa.String(12), nullable=False, server_default="planned"),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        _staff("state_by"),
    )
    op.create_index("ix_case_task_owner_open", "case_task", ["owner_id", "due_on", "report_id"],
                    sqlite_where=sa.text(OPEN_TASK), postgresql_where=sa.text(OPEN_TASK))
    op.create_index("ix_case_task_kind_open", "case_task", ["kind", "due_on", "report_id"],
                    sqlite_where=sa.text(OPEN_TASK), postgresql_where=sa.text(OPEN_TASK))
    op.create_index("ix_case_task_period", "case_task", ["done_on", "kind"])
    op.create_table(
        "case_review",
        sa.Column("id", sa.String(36), primary_key=True), _report_id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False), _staff("staff_id", nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("risk_changed", sa.Boolean(), nullable=False),
        sa.Column("new_incident", sa.Boolean(), nullable=False),
        sa.Column("measures_ok", sa.Boolean(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        *_sealed(),
    )
    op.create_index("ix_case_review_period", "case_review", ["reviewed_on"])
    op.create_table(
        "monitor_checkin",
        sa.Column("id", sa.String(36), primary_key=True), _report_id(),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="due"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True), _staff("staff_id"),
        _flag("safe_checked"),
        sa.Column("outcome", sa.String(16), nullable=False, server_default=""),
        *_sealed(nullable=True),
    )
    op.create_index("ix_monitor_checkin_due", "monitor_checkin", ["due_on", "report_id"],
                    sqlite_where=sa.text("state = 'due'"), postgresql_where=sa.text("state = 'due'"))
    op.create_table(
        "perpetrator",
        sa.Column("id", sa.String(36), primary_key=True), _report_id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False), _staff("staff_id", nullable=False),
        sa.Column("tenure", sa.String(12), nullable=False),
        _flag("restricted_access"),
        sa.Column("ral_review_on", sa.Date(), nullable=True),
        sa.Column("mediation", sa.String(12), nullable=False, server_default=""),
        *_sealed(),
    )
    op.create_index("ix_perpetrator_ral", "perpetrator", ["ral_review_on"],
                    sqlite_where=sa.text("restricted_access = 1"), postgresql_where=sa.text("restricted_access"))
    op.create_table(
        "enforcement",
        sa.Column("id", sa.String(36), primary_key=True), _report_id(),
        sa.Column("perpetrator_id", sa.String(36), sa.ForeignKey("perpetrator.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False), _staff("staff_id", nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(12), nullable=False),
        _flag("exemption"),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True), _staff("reviewed_by"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True), _staff("decided_by"),
        *_sealed(), *_sealed("review_", nullable=True), *_sealed("decision_", nullable=True),
    )
    op.create_index("ix_enforcement_waiting", "enforcement", ["at"], sqlite_where=sa.text("stage = 'authorise'"),
                    postgresql_where=sa.text("stage = 'authorise'"))
    _tasks_for_actions()


def _report_indexes(due: str) -> None:
    op.create_index("ix_report_queue", "report", ["is_open", "band", "contacted", due, "id", "reporter_kind",
                                                  "contact_language", "danger_now", "children", "no_contact",
                                                  "owner_id"])
    op.create_index("ix_report_owner_queue", "report", ["owner_id", "is_open", "band", "contacted", due, "id"])
    op.create_index("ix_report_status_queue", "report", ["status", "band", "contacted", due, "id"])


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _day(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def _first_reviews() -> None:
    conn = op.get_bind()
    report = sa.table("report", *(sa.column(c) for c in ("id", "is_open", "contacted", "first_contact_at",
                                                         "triaged_at", "received_at", "risk_level", "next_due",
                                                         "next_kind", "next_review_on")))
    rows = conn.execute(sa.select(report.c.id, report.c.first_contact_at, report.c.triaged_at, report.c.received_at,
                                  report.c.risk_level)
                        .where(report.c.is_open.is_(sa.true()), report.c.contacted.is_(sa.true()))).all()
    for row in rows:
        since = _moment(row.first_contact_at or row.triaged_at or row.received_at)
        on = since.date() + timedelta(days=FIRST_REVIEW_DAYS.get(row.risk_level, 30))
        conn.execute(report.update().where(report.c.id == row.id).values(
            next_review_on=on, next_kind="review",
            next_due=datetime(on.year, on.month, on.day, tzinfo=since.tzinfo)))


def _tasks_for_actions() -> None:
    conn = op.get_bind()
    entry = sa.table("case_entry", *(sa.column(c) for c in ("id", "report_id", "at", "staff_id", "kind", "code",
                                                           "ends_on")))
    task = sa.table("case_task", *(sa.column(c) for c in (
        "report_id", "entry_id", "kind", "created_at", "created_by", "owner_id", "due_on", "target_days", "state",
        "started_on", "done_on", "state_at", "state_by")))
    today = date.today()
    for row in conn.execute(sa.select(entry).where(entry.c.kind == "action")).all():
        on = _day(row.at)
        running = row.code == "breathing_space" and row.ends_on is not None and _day(row.ends_on) >= today
        conn.execute(task.insert().values(
            report_id=row.report_id, entry_id=row.id, kind=row.code, created_at=row.at, created_by=row.staff_id,
            owner_id=row.staff_id, due_on=on, target_days=0, state="in_progress" if running else "done",
            started_on=on, done_on=None if running else on, state_at=row.at, state_by=row.staff_id))
        if running:
            conn.execute(task.insert().values(
                report_id=row.report_id, entry_id=row.id, kind="breathing_space_end", created_at=row.at,
                created_by=None, owner_id=row.staff_id, due_on=max(on, _day(row.ends_on) - BREATHING_NOTICE),
                target_days=0, state="planned", started_on=None, done_on=None, state_at=None, state_by=None))


def downgrade() -> None:
    """The tasks, reviews, check-ins and perpetrator records go with their tables (the actions stay as case
    entries); the queue sorts on the first-contact deadline again."""
    for name in ("enforcement", "perpetrator", "monitor_checkin", "case_review", "case_task"):
        op.drop_table(name)
    for name in ("ix_report_queue", "ix_report_owner_queue", "ix_report_status_queue", "ix_report_review",
                 "ix_report_monitored"):
        op.drop_index(name, table_name="report")
    _report_indexes("first_contact_due")
    with op.batch_alter_table("report") as batch:
        for name in ("staff_sex", "monitor_until", "next_review_on", "next_kind", "next_due"):
            batch.drop_column(name)
    with op.batch_alter_table("staff_user") as batch:
        for name in ("speaks_welsh", "sex", "can_authorise"):
            batch.drop_column(name)
