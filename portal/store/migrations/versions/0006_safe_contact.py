"""Safe contact governs every contact: the first-contact clock follows the person's safe windows and measures
reaching the person at risk (not a reporter), no-contact reports get a triage clock, staff and reporters can
change a safe-contact profile (sealed versions), attempts record who was contacted and any reason for contact
outside a safe window (sealed), a reply counts once read, and reports can be marked urgent.

Upgrading a populated database recomputes the clock from what is already recorded (docs/deploy.md says what
changes in the figures): only attempts with the person at risk that reached them, and replies the reporter
has read, now stop the clock.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REACHING = ("spoke", "message_sent", "not_safe_now")


def upgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("target_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("due_basis", sa.String(8), nullable=False, server_default="target"))
        batch.add_column(sa.Column("out_of_hours", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("clock", sa.String(8), nullable=False, server_default="reach"))
        batch.add_column(sa.Column("approach", sa.String(16), nullable=False, server_default="direct"))
        batch.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reporter_contacted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("urgent_announced", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("contact_attempt") as batch:
        batch.add_column(sa.Column("party", sa.String(16), nullable=False, server_default="person"))
        batch.add_column(sa.Column("reached", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("outside_window", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "contact_profile",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("about", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("seen", sa.Boolean(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_basis", sa.String(8), nullable=True),
        sa.Column("out_of_hours", sa.Boolean(), nullable=True),
        sa.Column("approach", sa.String(16), nullable=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reporter_sealed", sa.LargeBinary(), nullable=True),
        sa.UniqueConstraint("report_id", "about", "version", name="uq_contact_profile_version"),
    )
    op.create_index("ix_contact_profile_unseen", "contact_profile", ["report_id"],
                    sqlite_where=sa.text("seen = 0"), postgresql_where=sa.text("NOT seen"))
    op.create_index("ix_contact_profile_unapplied", "contact_profile", ["report_id"],
                    sqlite_where=sa.text("applied = 0"), postgresql_where=sa.text("NOT applied"))
    op.create_index("ix_message_read_uncounted", "message", ["report_id"],
                    sqlite_where=sa.text("from_reporter = 0 AND seen_at IS NOT NULL AND counted = 0"),
                    postgresql_where=sa.text("NOT from_reporter AND seen_at IS NOT NULL AND NOT counted"))
    op.create_index("ix_report_urgent_unannounced", "report", ["id"],
                    sqlite_where=sa.text("band = 0 AND urgent_announced = 0"),
                    postgresql_where=sa.text("band = 0 AND NOT urgent_announced"))
    _recompute()


def _recompute() -> None:
    """The new clock from what is recorded. Reports already here are not announced to the on-call address."""
    true, false = sa.true(), sa.false()
    report = sa.table("report", sa.column("id"), sa.column("reporter_kind"), sa.column("no_contact"),
                      sa.column("first_contact_due"), sa.column("target_due"), sa.column("clock"),
                      sa.column("approach"), sa.column("contacted"), sa.column("first_contact_at"),
                      sa.column("reporter_contacted_at"), sa.column("urgent_announced"))
    attempt = sa.table("contact_attempt", sa.column("report_id"), sa.column("at"), sa.column("method"),
                       sa.column("outcome"), sa.column("party"), sa.column("reached"))
    message = sa.table("message", sa.column("report_id"), sa.column("at"), sa.column("from_reporter"),
                       sa.column("seen"), sa.column("seen_at"), sa.column("counted"))
    op.execute(report.update().values(target_due=report.c.first_contact_due, urgent_announced=true))
    # Who could be approached, from the plaintext flags: "do not contact me" is a triage case; an agency's "do
    # not contact them directly" means through the referrer; a neighbour's report has no profile of the person.
    op.execute(report.update().where(report.c.reporter_kind == "self", report.c.no_contact == true)
               .values(approach="not_at_all", clock="triage"))
    op.execute(report.update().where(report.c.reporter_kind == "agency", report.c.no_contact == true)
               .values(approach="via_referrer", no_contact=false))
    op.execute(report.update().where(report.c.reporter_kind == "concerned").values(approach="unknown", clock="triage"))
    # Attempts: a neighbour's report had only the reporter's ways of contact; "through the referring worker"
    # was the person at risk, through the referrer; a reply on the website counts once read (below).
    concerned = sa.select(report.c.id).where(report.c.reporter_kind == "concerned")
    op.execute(attempt.update().where(attempt.c.report_id.in_(concerned)).values(party="reporter"))
    op.execute(attempt.update().where(attempt.c.method == "referrer").values(party="go_between"))
    # A reply on the website goes to whoever holds the receipt: the reporter, on a neighbour's or agency's report.
    others = sa.select(report.c.id).where(report.c.reporter_kind != "self")
    op.execute(attempt.update().where(attempt.c.method == "message", attempt.c.report_id.in_(others))
               .values(party="reporter"))
    op.execute(attempt.update().where(attempt.c.party.in_(("person", "go_between")), attempt.c.method != "message",
                                      attempt.c.outcome.in_(REACHING)).values(reached=true))
    op.execute(message.update().where(message.c.from_reporter == false, message.c.seen == true)
               .values(seen_at=message.c.at))  # when it was read is not known: when it was sent, at the earliest
    reached = sa.select(sa.func.min(attempt.c.at)).where(attempt.c.report_id == report.c.id,
                                                         attempt.c.reached == true).scalar_subquery()
    read = sa.select(sa.func.min(message.c.seen_at)).where(message.c.report_id == report.c.id,
                                                           message.c.from_reporter == false,
                                                           message.c.seen_at.is_not(None)).scalar_subquery()
    first = sa.case((sa.and_(reached.is_not(None), sa.or_(read.is_(None), reached <= read)), reached), else_=read)
    op.execute(report.update().where(report.c.reporter_kind == "self").values(first_contact_at=first))
    op.execute(report.update().where(report.c.reporter_kind != "self").values(first_contact_at=reached))
    op.execute(report.update().values(contacted=report.c.first_contact_at.is_not(None)))
    reporter = sa.select(sa.func.min(attempt.c.at)).where(attempt.c.report_id == report.c.id,
                                                          attempt.c.party == "reporter",
                                                          attempt.c.method != "message").scalar_subquery()
    op.execute(report.update().values(reporter_contacted_at=reporter))
    heard = sa.case((sa.and_(reporter.is_not(None), sa.or_(read.is_(None), reporter <= read)), reporter), else_=read)
    op.execute(report.update().where(report.c.reporter_kind != "self").values(reporter_contacted_at=heard))
    op.execute(message.update().where(message.c.seen_at.is_not(None)).values(counted=true))


def downgrade() -> None:
    op.drop_index("ix_report_urgent_unannounced", table_name="report")
    op.drop_index("ix_message_read_uncounted", table_name="message")
    op.drop_table("contact_profile")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("counted")
        batch.drop_column("seen_at")
    with op.batch_alter_table("contact_attempt") as batch:
        for column in ("sealed", "key_id", "outside_window", "reached", "party"):
            batch.drop_column(column)
    with op.batch_alter_table("report") as batch:
        for column in ("urgent_announced", "urgent", "reporter_contacted_at", "triaged_at", "approach", "clock",
                       "out_of_hours", "due_basis", "target_due"):
            batch.drop_column(column)
