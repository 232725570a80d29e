"""Equality monitoring on the triage side: counting the answers sealed with each report into monthly totals, then
removing them from the report.

Why this way (docs/data-map.md, `equality_count`): the answers are special category data (ethnic group, health), so
they are never stored in plaintext beside a case. They reach the database sealed inside the report (the public side
cannot open them), and `count_answers` (run by `portal index run`'s timer, and `portal equality count`) opens the
waiting reports, adds their answers to `equality_count` (month, question, answer, n) and seals each report again
without them. It counts only when at least BATCH_MIN reports are waiting (or the oldest has waited WAIT_AT_MOST),
so that one batch's change to the totals mixes several people's answers. Afterwards no record, sealed or plain,
ties an answer to a case. The board's figures are in portal/casework/equality_indicators.py, which opens nothing.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.casework.common import aware, now, opener
from portal.casework.equality_indicators import NOT_ANSWERED, QUESTIONS, waiting
from portal.crypto.sealing import Opener, Sealer, try_open
from portal.intake.reports import PURPOSE, current_sealer
from portal.store.models import AuditEvent, EqualityCount, Report
from portal.store.plain_models import EQUALITY_ANSWERS as ANSWERS

BATCH_MIN = 10  # reports counted together at the least
WAIT_AT_MOST = timedelta(days=35)  # …unless the oldest has waited this long (a quiet month still gets counted)


@dataclass
class CountRun:
    counted: int = 0
    unopened: int = 0
    waiting: int = 0  # reports still waiting afterwards


def _month(moment: datetime, tz: str) -> str:
    return f"{aware(moment).astimezone(ZoneInfo(tz)):%Y-%m}"


def _add(dbs: Session, totals: Counter[tuple[str, str, str]]) -> None:
    for (month, question, answer), n in sorted(totals.items()):
        row = dbs.get(EqualityCount, (month, question, answer))
        if row is None:
            dbs.add(EqualityCount(month=month, question=question, answer=answer, n=n))
        else:  # added in SQL, so a concurrent batch's count is not overwritten
            dbs.execute(update(EqualityCount).where(EqualityCount.month == month, EqualityCount.question == question,
                                                    EqualityCount.answer == answer).values(n=EqualityCount.n + n))
    dbs.flush()


def count_answers(dbs: Session, *, force: bool = False, limit: int = 5000, at: datetime | None = None) -> CountRun:
    """Count the waiting reports' equality answers into the monthly totals and seal each report again without
    them, all in one transaction (a failure counts nothing and leaves every report as it was). Does nothing while
    fewer than BATCH_MIN wait and none has waited WAIT_AT_MOST, unless `force` (an operator's explicit run)."""
    moment = at or now()
    pending = select(Report).where(Report.equality_pending.is_(True)).order_by(Report.received_at, Report.id)
    run = CountRun(waiting=waiting(dbs))
    oldest = dbs.scalar(select(func.min(Report.received_at)).where(Report.equality_pending.is_(True)))
    if oldest is None or not force and run.waiting < BATCH_MIN and aware(oldest) > moment - WAIT_AT_MOST:
        return run
    keys, sealer, tz = opener(), current_sealer(), current_app.config["TIMEZONE"]
    try:
        _count(dbs, pending.limit(limit), run, keys, sealer, tz, moment)
    except Exception:
        dbs.rollback()  # nothing counted, every report as it was: the next run tries again
        raise
    run.waiting -= run.counted
    return run


def _count(dbs: Session, query: Any, run: CountRun, keys: Opener, sealer: Sealer, tz: str, moment: datetime) -> None:
    totals = Counter[tuple[str, str, str]]()
    for report in dbs.scalars(query).all():
        opened = try_open(keys, report.sealed, PURPOSE, report.id)
        if not isinstance(opened, bytes):
            run.unopened += 1  # left waiting: it is counted once its key is here
            continue
        document = json.loads(opened.decode("utf-8"))
        given = document.pop("equality", None) or {}
        month = _month(report.received_at, tz)
        for question in QUESTIONS:
            answer = given.get(question)
            totals[(month, question, answer if answer in ANSWERS[question] else NOT_ANSWERED)] += 1
        report.sealed = sealer.seal_json(document, PURPOSE, report.id)
        report.key_id = sealer.key_id
        report.equality_pending = False
        run.counted += 1
    if run.counted:
        _add(dbs, totals)
        dbs.add(AuditEvent(at=moment, actor="system:equality", action="equality.counted",
                           detail=f"count:{run.counted}"))
    dbs.commit()
