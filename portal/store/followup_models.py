"""Tables for following a case through: tasks (each action's owner, due date and state), case reviews, monitoring
check-ins after closure, and the person causing harm with any action against them. Codes, dates and states are
plain; everything anyone wrote is sealed (an action's details stay sealed on its case entry)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.model_base import Base, team_sealed

REVIEW_PURPOSE = "review"
CHECKIN_PURPOSE = "checkin"
PERPETRATOR_PURPOSE = "perpetrator"
ENFORCEMENT_PURPOSE = "enforcement"
ENFORCEMENT_REVIEW_PURPOSE = "enforcement-review"
ENFORCEMENT_DECISION_PURPOSE = "enforcement-decision"

TASK_STATES = ("planned", "in_progress", "done", "not_needed")
OPEN_TASK_STATES = ("planned", "in_progress")
_OPEN_TASK = "state IN ('planned', 'in_progress')"


class CaseTask(Base):
    """Something to be done on a case by someone by a day: an action recorded on the case (its details sealed on
    the case entry `entry_id`), or a task the portal raised (a breathing space about to end). `kind` is the action's
    code ("security", "referral.idva", "safety_plan", …) or the raised task's ("breathing_space_end");
    `target_days` is the target in working days it was given, so the indicators can count what was done in time."""

    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("case_entry.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)  # None: the portal
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    target_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(12), default="planned", server_default="planned")
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # done, or found not needed
    state_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    state_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    # What it cost the landlord (a lock change, a repair), in pence, if anyone recorded it: a plain amount, summed
    # by the indicators by kind and period (migration 0013).
    cost_pence: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        # "My tasks due" and the daily digest: one officer's open tasks by due date.
        Index("ix_case_task_owner_open", "owner_id", "due_on", "report_id", sqlite_where=text(_OPEN_TASK),
              postgresql_where=text(_OPEN_TASK)),
        # "Breathing spaces ending" and the next thing on each case: open tasks by kind and date.
        Index("ix_case_task_kind_open", "kind", "due_on", "report_id", sqlite_where=text(_OPEN_TASK),
              postgresql_where=text(_OPEN_TASK)),
        Index("ix_case_task_period", "done_on", "kind"),
    )


class CaseReview(Base):
    """A case review: a short recorded step (has the risk changed? a new incident? are the safety measures still
    right?) on the review date it answered (`due_on`), with the next review date it set. Notes sealed."""

    __tablename__ = "case_review"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    risk_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    new_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    measures_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=REVIEW_PURPOSE)

    __table_args__ = (Index("ix_case_review_period", "reviewed_on"),)


class MonitorCheckin(Base):
    """A check-in on a closed case under monitoring (Plus Dane 15), due on `due_on`: done (after "is it safe to
    contact them now?" against the current safe-contact profile and linked cases) or skipped with a reason."""

    __tablename__ = "monitor_checkin"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(8), default="due", server_default="due")  # due | done | skipped
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # recorded
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    safe_checked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    outcome: Mapped[str] = mapped_column(String(16), default="", server_default="")
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sealed: Mapped[bytes | None] = team_sealed(purpose=CHECKIN_PURPOSE, nullable=True)  # notes, or why skipped

    __table_args__ = (Index("ix_monitor_checkin_due", "due_on", "report_id", sqlite_where=text("state = 'due'"),
                            postgresql_where=text("state = 'due'")),)


class Perpetrator(Base):
    """The person causing harm, kept apart from the person at risk: relationship, tenure (a tenant or contract
    holder, sole or joint), address if different, all sealed; the Restricted Access List flag (whg 2.18) with its
    review date; on a joint tenancy, whether mediation was offered (the advice given to each party is sealed).
    Never shown on anything addressed to the perpetrator."""

    __tablename__ = "perpetrator"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into the seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    tenure: Mapped[str] = mapped_column(String(12), default="unknown")  # none | sole | joint | unknown
    restricted_access: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ral_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # "" not recorded | offered | declined | unsafe (mediation would not be safe)
    mediation: Mapped[str] = mapped_column(String(12), default="", server_default="")
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=PERPETRATOR_PURPOSE)

    __table_args__ = (Index("ix_perpetrator_ral", "ral_review_on", sqlite_where=text("restricted_access = 1"),
                            postgresql_where=text("restricted_access")),)


class Enforcement(Base):
    """Action against a perpetrator (warning, injunction, prohibited conduct notice, possession, excluding a joint
    contract holder, RHW32/33): first the victim's view and the safety plan for the action (sealed), then the
    proportionality review (options considered, pre-court protocol: sealed apart), then a decision by someone who
    may authorise (their note sealed apart). `exemption`: an extreme incident (MHA 8.5) recorded as such."""

    __tablename__ = "enforcement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random UUID; bound into each seal
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    perpetrator_id: Mapped[str] = mapped_column(ForeignKey("perpetrator.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # review (the victim's view is in; the proportionality review is next) | authorise (waiting for an authoriser)
    # | authorised | declined | withdrawn
    stage: Mapped[str] = mapped_column(String(12), default="review")
    exemption: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = team_sealed(purpose=ENFORCEMENT_PURPOSE)
    review_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    review_sealed: Mapped[bytes | None] = team_sealed(purpose=ENFORCEMENT_REVIEW_PURPOSE, key_column="review_key_id",
                                                      nullable=True)
    decision_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decision_sealed: Mapped[bytes | None] = team_sealed(purpose=ENFORCEMENT_DECISION_PURPOSE,
                                                        key_column="decision_key_id", nullable=True)

    __table_args__ = (Index("ix_enforcement_waiting", "at", sqlite_where=text("stage = 'authorise'"),
                            postgresql_where=text("stage = 'authorise'")),)
