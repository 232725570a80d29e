"""Risk, MARAC and lawful sharing: risk assessments (ours, part-done, and other agencies'), incidents, MARAC
referrals with their packs, consent records, information shared on a lawful basis with countersignatures,
safeguarding referrals and flags, closures a lead signs off, and the current risk level on each report.

The risk checklists and records of sharing already kept as case entries move to their own tables unopened: each
keeps its id and its seal's purpose ("risk", "share"), so its seal still opens. A checklist at or over the threshold,
or referred on professional judgement, was high risk; a share recorded "without consent" was on the safeguarding
basis (before countersigning existed, so none is asked of it). Each report takes the level of its latest checklist,
and an open high-risk report sorts with "in danger now".

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _common(name: str, *columns: Any, staff_nullable: bool = False) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=staff_nullable),
        *columns,
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(_flag("under_16"))
        batch.add_column(_flag("adult_at_risk"))
        batch.add_column(_flag("exploitation"))
        batch.add_column(sa.Column("risk_level", sa.String(8), nullable=False, server_default=""))
    _common("risk_assessment",
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("source", sa.String(8), nullable=False),
            sa.Column("tool", sa.String(8), nullable=False),
            sa.Column("agency", sa.String(16), nullable=False, server_default=""),
            sa.Column("assessed_on", sa.Date(), nullable=False),
            sa.Column("score", sa.Integer(), nullable=True),
            sa.Column("grade", sa.String(8), nullable=False, server_default=""),
            sa.Column("level", sa.String(8), nullable=False, server_default=""),
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true()),
            sa.Column("unanswered", sa.Integer(), nullable=False, server_default="0"),
            _flag("escalation"), _flag("judgement"), _flag("marac_planned"), staff_nullable=True)
    op.create_index("ix_risk_assessment_period", "risk_assessment", ["at", "source"])
    _common("incident", sa.Column("occurred_on", sa.Date(), nullable=False),
            sa.Column("police", sa.Boolean(), nullable=False))
    _common("marac_referral",
            sa.Column("visible_high", sa.Boolean(), nullable=False),
            sa.Column("judgement", sa.Boolean(), nullable=False),
            sa.Column("escalation", sa.Boolean(), nullable=False),
            sa.Column("repeat", sa.Boolean(), nullable=False),
            sa.Column("consent", sa.String(12), nullable=False),
            sa.Column("person_aware", sa.String(8), nullable=False),
            sa.Column("sent_on", sa.Date(), nullable=True),
            sa.Column("meeting_on", sa.Date(), nullable=True),
            sa.Column("outcome_on", sa.Date(), nullable=True))
    with op.batch_alter_table("marac_referral") as batch:
        batch.add_column(sa.Column("pack_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pack_key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("pack_sealed", sa.LargeBinary(), nullable=True))
    op.create_index("ix_marac_referral_period", "marac_referral", ["at"])
    _common("consent_record")
    _common("info_share",
            sa.Column("recipient", sa.String(16), nullable=False),
            sa.Column("shared_on", sa.Date(), nullable=False),
            sa.Column("basis", sa.String(16), nullable=False),
            sa.Column("agreement", sa.String(32), nullable=False, server_default=""),
            _flag("tell_reporter"),
            sa.Column("countersign_due", sa.DateTime(timezone=True), nullable=True),
            sa.Column("countersigned_by", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
            sa.Column("countersigned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_info_share_period", "info_share", ["shared_on", "basis"])
    op.create_index("ix_info_share_uncountersigned", "info_share", ["countersign_due"],
                    sqlite_where=sa.text("countersign_due IS NOT NULL AND countersigned_at IS NULL"),
                    postgresql_where=sa.text("countersign_due IS NOT NULL AND countersigned_at IS NULL"))
    _common("safeguarding_referral",
            sa.Column("concern", sa.String(12), nullable=False),
            sa.Column("referred_to", sa.String(24), nullable=False),
            sa.Column("referred_on", sa.Date(), nullable=False),
            sa.Column("outcome", sa.String(24), nullable=False, server_default=""),
            sa.Column("outcome_on", sa.Date(), nullable=True),
            sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("outcome_by", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
            sa.Column("outcome_key_id", sa.String(16), nullable=True),
            sa.Column("outcome_sealed", sa.LargeBinary(), nullable=True))
    _common("closure_request",
            sa.Column("close_reason", sa.String(32), nullable=False),
            sa.Column("open_items", sa.String(200), nullable=False),
            sa.Column("state", sa.String(10), nullable=False),
            sa.Column("decided_by", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_closure_request_pending", "closure_request", ["at"], sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))
    _move_entries()


def _day(value: Any) -> date:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.date() if isinstance(moment, datetime) else moment


def _move_entries() -> None:
    conn = op.get_bind()
    entry = sa.table("case_entry", *(sa.column(c) for c in ("id", "report_id", "at", "staff_id", "kind", "code",
                                                           "score", "flag", "starts_on", "key_id", "sealed")))
    risk = sa.table("risk_assessment", *(sa.column(c) for c in (
        "id", "report_id", "at", "updated_at", "staff_id", "source", "tool", "agency", "assessed_on", "score", "grade",
        "level", "complete", "unanswered", "escalation", "judgement", "marac_planned", "key_id", "sealed")))
    share = sa.table("info_share", *(sa.column(c) for c in (
        "id", "report_id", "at", "staff_id", "recipient", "shared_on", "basis", "agreement", "tell_reporter",
        "key_id", "sealed")))
    report = sa.table("report", sa.column("id"), sa.column("risk_level"), sa.column("band"), sa.column("is_open"))
    latest: dict[str, tuple[Any, str]] = {}
    rows = conn.execute(sa.select(entry).where(entry.c.kind == "risk")).all()
    for row in rows:
        level = "standard" if row.code == "standard" else "high"
        conn.execute(risk.insert().values(
            id=row.id, report_id=row.report_id, at=row.at, updated_at=row.at, staff_id=row.staff_id, source="ours",
            tool="dash", agency="", assessed_on=_day(row.at), score=row.score, grade="", level=level, complete=True,
            unanswered=0, escalation=bool(row.flag), judgement=row.code == "judgement", marac_planned=False,
            key_id=row.key_id, sealed=row.sealed))
        moment = datetime.fromisoformat(row.at) if isinstance(row.at, str) else row.at
        if row.report_id not in latest or latest[row.report_id][0] < moment:
            latest[row.report_id] = (moment, level)
    for report_id, (_, level) in latest.items():
        conn.execute(report.update().where(report.c.id == report_id).values(risk_level=level))
        if level == "high":
            conn.execute(report.update().where(report.c.id == report_id, report.c.is_open.is_(sa.true()))
                         .values(band=0))
    for row in conn.execute(sa.select(entry).where(entry.c.kind == "share")).all():
        conn.execute(share.insert().values(
            id=row.id, report_id=row.report_id, at=row.at, staff_id=row.staff_id, recipient=row.code,
            shared_on=row.starts_on or _day(row.at), basis="safeguarding" if row.flag else "consent", agreement="",
            tell_reporter=False, key_id=row.key_id, sealed=row.sealed))
    conn.execute(entry.delete().where(entry.c.kind.in_(("risk", "share"))))


def downgrade() -> None:
    """Our own complete checklists and the records of sharing go back to being case entries (what the old schema
    cannot hold, such as other agencies' assessments, is dropped with its table)."""
    conn = op.get_bind()
    entry = sa.table("case_entry", *(sa.column(c) for c in ("id", "report_id", "at", "staff_id", "kind", "code",
                                                           "score", "flag", "starts_on", "key_id", "sealed")))
    for row in conn.execute(sa.text("SELECT id, report_id, at, staff_id, level, judgement, score, escalation, key_id, "
                                    "sealed FROM risk_assessment WHERE source = 'ours' AND complete")).all():
        code = "judgement" if row.judgement else ("marac" if row.level == "high" else "standard")
        conn.execute(entry.insert().values(id=row.id, report_id=row.report_id, at=row.at, staff_id=row.staff_id,
                                           kind="risk", code=code, score=row.score, flag=bool(row.escalation),
                                           key_id=row.key_id, sealed=row.sealed))
    for row in conn.execute(sa.text("SELECT id, report_id, at, staff_id, recipient, shared_on, basis, key_id, sealed "
                                    "FROM info_share")).all():
        conn.execute(entry.insert().values(id=row.id, report_id=row.report_id, at=row.at, staff_id=row.staff_id,
                                           kind="share", code=row.recipient, flag=row.basis != "consent",
                                           starts_on=row.shared_on, key_id=row.key_id, sealed=row.sealed))
    for name in ("closure_request", "safeguarding_referral", "info_share", "consent_record", "marac_referral",
                 "incident", "risk_assessment"):
        op.drop_table(name)
    with op.batch_alter_table("report") as batch:
        for name in ("risk_level", "exploitation", "adult_at_risk", "under_16"):
            batch.drop_column(name)
