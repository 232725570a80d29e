"""Retention (`portal purge`, run from cron): closed cases are deleted a set number of days after closing.

What survives a case is a count in `PurgedTally` (month received, kind of reporter, closing reason) and its
audit trail, which is append-only and not tied to the report by a foreign key. Each batch counts and deletes
in one transaction, so a crash leaves either a whole batch gone and counted, or nothing changed.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from portal.store.assurance_models import RoundAnswer, RoundCase
from portal.store.complaint_models import Complaint, SurvivorFeedback
from portal.store.followup_models import MonitorCheckin
from portal.store.models import AuditEvent, CaseEntry, ContactAttempt, Conversation, Message, PurgedTally, Report
from portal.store.settings import get_setting

BATCH = 500
# The same floor as the settings form: a damaged setting must not empty the case list.
MIN_RETENTION_DAYS = 30


class BadRetention(Exception):
    """The retention period is not a whole number of days, or is below the floor."""


@dataclass(frozen=True)
class Purged:
    cases: int
    cutoff: datetime


def retention_days(dbs: Session, config: Mapping[str, Any]) -> int:
    value = get_setting(dbs, "retention_days", str(config["RETENTION_DAYS"]))
    try:
        days = int(value)
    except ValueError as exc:
        raise BadRetention(f"retention_days is not a whole number of days: {value!r}") from exc
    if days < MIN_RETENTION_DAYS:
        raise BadRetention(f"retention_days is {days}; the least allowed is {MIN_RETENTION_DAYS}")
    return days


def _expired(cutoff: datetime) -> Any:
    # A case under monitoring after closure waits until monitoring ends (its last check-in done or skipped:
    # portal/casework/monitoring.py keeps monitor_until, None once none is due), and the retention period runs
    # from the last check-in as well as from closing: what a late check-in found is kept as long as the case.
    recent_checkin = exists().where(MonitorCheckin.report_id == Report.id, MonitorCheckin.at >= cutoff)
    return (Report.is_open.is_(False), Report.closed_at.is_not(None), Report.closed_at < cutoff,
            Report.monitor_until.is_(None), ~recent_checkin)


def _month(received_at: datetime, zone: ZoneInfo) -> str:
    # The local month, as the team counts it: a report at 00:30 on 1 June (BST) belongs to June.
    aware = received_at if received_at.tzinfo else received_at.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).strftime("%Y-%m")


def count_due(dbs: Session, cutoff: datetime) -> int:
    return dbs.scalar(select(func.count()).select_from(Report).where(*_expired(cutoff))) or 0


def _purge_batch(dbs: Session, cutoff: datetime, zone: ZoneInfo) -> int:
    # FOR UPDATE (PostgreSQL): a case reopened while we work waits for us rather than being half-deleted.
    rows = dbs.execute(
        select(Report.id, Report.received_at, Report.reporter_kind, Report.close_reason)
        .where(*_expired(cutoff)).order_by(Report.id).limit(BATCH).with_for_update()).all()
    if not rows:
        return 0
    return delete_cases(dbs, rows, zone)


def delete_cases(dbs: Session, rows: Sequence[Any], zone: ZoneInfo, reason: str | None = None) -> int:
    """Count the cases in `purged_tally` (month received, kind, closing reason, or `reason` when given: "erased"
    for a case erased on request) and delete them and everything in them. The caller commits."""
    tally = Counter((_month(r.received_at, zone), r.reporter_kind, reason or r.close_reason or "unknown")
                    for r in rows)
    for (month, kind, why), n in tally.items():
        row = dbs.get(PurgedTally, (month, kind, why))
        if row is None:
            dbs.add(PurgedTally(month=month, reporter_kind=kind, close_reason=why, count=n))
        else:
            row.count += n
    ids = [r.id for r in rows]
    # Explicitly, children first: not relying on ON DELETE CASCADE, which SQLite honours only on a
    # connection with foreign keys switched on (ours are; a maintenance shell's may not be).
    dbs.execute(delete(Message).where(Message.report_id.in_(ids)))
    dbs.execute(delete(Conversation).where(Conversation.report_id.in_(ids)))
    dbs.execute(delete(ContactAttempt).where(ContactAttempt.report_id.in_(ids)))
    dbs.execute(delete(CaseEntry).where(CaseEntry.report_id.in_(ids)))
    dbs.execute(delete(MonitorCheckin).where(MonitorCheckin.report_id.in_(ids)))
    # A case review's answers and findings go with the case (the audit trail keeps that it was reviewed).
    dbs.execute(delete(RoundAnswer).where(RoundAnswer.round_case_id.in_(
        select(RoundCase.id).where(RoundCase.report_id.in_(ids)))))
    dbs.execute(delete(RoundCase).where(RoundCase.report_id.in_(ids)))
    for table in (Complaint, SurvivorFeedback):  # (the survivors' counts stay: `feedback_tally` holds no case)
        dbs.execute(delete(table).where(table.report_id.in_(ids)))
    dbs.execute(delete(Report).where(Report.id.in_(ids)))
    return len(ids)


def purge(maker: sessionmaker[Session], config: Mapping[str, Any], *, dry_run: bool = False,
          now: datetime | None = None) -> Purged:
    """Delete (or, dry, count) the closed cases past retention. Safe to repeat: the second run finds none."""
    with maker() as dbs:
        days = retention_days(dbs, config)
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
        if dry_run:
            return Purged(cases=count_due(dbs, cutoff), cutoff=cutoff)
    zone = ZoneInfo(config["TIMEZONE"])
    total = 0
    try:
        while True:
            with maker() as dbs, dbs.begin():
                done = _purge_batch(dbs, cutoff, zone)
            total += done
            if done < BATCH:
                break
    finally:
        # Recorded even if a later batch failed: the batches already committed are gone.
        if total:
            with maker() as dbs, dbs.begin():
                dbs.add(AuditEvent(at=datetime.now(timezone.utc), actor="cli:purge", action="cases.purged",
                                   report_id=None, detail=f"count:{total}"))
    return Purged(cases=total, cutoff=cutoff)
