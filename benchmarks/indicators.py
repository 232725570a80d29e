"""The performance indicators over a million reports, on SQLite and on PostgreSQL: how long does a quarter take?

Run from the repository root:

    .venv/bin/python benchmarks/indicators.py                  # both backends, 1,000,000 reports
    .venv/bin/python benchmarks/indicators.py --backend sqlite --reports 100000

Options: --reports N, --repeats N (timed computations per period, default 5), --backend sqlite|postgres|both,
--target-ms MS (default 1000), --postgres-url URL, --schema NAME (default bench_indicators), --seed N.

It fills the database exactly as benchmarks/queue.py does (its `fill`: the real migrations, a realistic mix
of 1,000,000 reports over five years, mostly closed), then adds staff records the indicators count: a risk
assessment on 30% of reports (a tenth of them part-done), an action on 25%, a record of sharing on 10% (a third
of them without consent, needing a countersignature), a MARAC referral on 3% and a safeguarding referral on 2%
(codes drawn from the real lists).
Then it times `portal.casework.indicators.compute` (the whole computation the page and the CSV do: every GROUP BY,
the first-contact times in working hours, the small-count rule) for:
- the last complete quarter (the target: median <= 1 s), and the current month;
- the longest custom period allowed (three years), as the worst case a user can ask for (no target).
It prints the number of reports in each period, the median and slowest of --repeats runs, and exits 1 if the
quarter misses the target (2 if a backend cannot be set up).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.casework.indicators import ACTIONS, REFERRALS, compute  # noqa: E402
from portal.casework.periods import Period  # noqa: E402
from portal.casework.risk_indicators import AGENCIES, BASES, CONCERNS, LEVELS, SOURCES, TOOLS  # noqa: E402
from portal.store.models import CaseEntry, Report  # noqa: E402
from portal.store.risk_models import InfoShare, MaracReferral, RiskAssessment, SafeguardingReferral  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_queue", ROOT / "benchmarks" / "queue.py")
bench_queue: Any = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["bench_queue"] = bench_queue  # its dataclasses look their module up
_spec.loader.exec_module(bench_queue)  # type: ignore[union-attr]

CHUNK = 20_000
TZ, NATION = "Europe/London", "wales"


def add_entries(backend: Any, staff_id: int, seed: int) -> int:
    """Risk assessments, actions, records of sharing, MARAC and safeguarding referrals, a few days after each
    sampled report arrived."""
    rng = random.Random(seed + 1)
    engine = backend.fill_engine()
    added = 0
    tables = {"entry": CaseEntry.__table__, "risk": RiskAssessment.__table__, "share": InfoShare.__table__,
              "marac": MaracReferral.__table__, "safeguarding": SafeguardingReferral.__table__}
    try:
        with engine.connect() as conn:
            reports = conn.execute(select(Report.id, Report.received_at)).all()
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}

        def flush() -> None:
            nonlocal added
            with engine.begin() as conn:
                for name, table in tables.items():
                    if rows[name]:
                        conn.execute(insert(table), rows[name])
                        added += len(rows[name])
                        rows[name] = []

        action_codes = [a if a not in ("referral", "rehousing") else
                        (f"referral.{rng.choice(REFERRALS)}" if a == "referral" else "rehousing.rehousing")
                        for a in ACTIONS]
        for report_id, received in reports:
            received = received if received.tzinfo else received.replace(tzinfo=timezone.utc)

            def common(report_id: str = report_id, received: datetime = received) -> dict[str, Any]:
                return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "report_id": report_id,
                        "at": received + timedelta(days=rng.uniform(0.1, 20)), "staff_id": staff_id,
                        "key_id": "bench", "sealed": os.urandom(200)}
            if rng.random() < 0.30:
                row = common()
                complete = rng.random() > 0.1
                row.update(updated_at=row["at"], source=rng.choice(SOURCES), tool=rng.choice(TOOLS), agency="",
                           assessed_on=row["at"].date(), score=rng.randrange(25), grade="",
                           level=rng.choice(LEVELS) if complete else "", complete=complete, unanswered=0,
                           escalation=rng.random() < 0.1, judgement=False, marac_planned=False)
                rows["risk"].append(row)
            if rng.random() < 0.25:
                rows["entry"].append({**common(), "kind": "action", "code": rng.choice(action_codes), "score": None,
                                      "flag": False, "starts_on": None, "ends_on": None})
            if rng.random() < 0.10:
                row = common()
                basis = "consent" if rng.random() < 0.66 else rng.choice(BASES[1:])
                due = row["at"] + timedelta(days=1) if basis != "consent" else None
                signed = due - timedelta(hours=rng.uniform(-30, 20)) if due and rng.random() < 0.9 else None
                row.update(recipient=rng.choice(AGENCIES), shared_on=row["at"].date(), basis=basis, agreement="",
                           tell_reporter=False, countersign_due=due, countersigned_by=staff_id if signed else None,
                           countersigned_at=signed)
                rows["share"].append(row)
            if rng.random() < 0.03:
                row = common()
                row.update(visible_high=rng.random() < 0.7, judgement=rng.random() < 0.2,
                           escalation=rng.random() < 0.2, repeat=rng.random() < 0.1,
                           consent="given" if rng.random() < 0.8 else "refused", person_aware="yes",
                           sent_on=row["at"].date(), meeting_on=None, outcome_on=None)
                rows["marac"].append(row)
            if rng.random() < 0.02:
                row = common()
                row.update(concern=rng.choice(CONCERNS), referred_to="police", referred_on=row["at"].date(),
                           outcome="", outcome_on=None)
                rows["safeguarding"].append(row)
            if sum(len(r) for r in rows.values()) >= CHUNK:
                flush()
        flush()
        backend.analyze(engine)
        if backend.name == "postgres":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for name in ("case_entry", "risk_assessment", "info_share", "marac_referral", "safeguarding_referral"):
                    conn.execute(text(f"VACUUM (ANALYZE) {name}"))
    finally:
        engine.dispose()
    return added


def time_period(url: str, period: Period, repeats: int, threshold: int = 5) -> tuple[list[float], int]:
    from portal.store.db import make_engine
    engine = make_engine(url)
    try:
        start, end = period.bounds(TZ)
        with Session(engine) as dbs:
            in_period = dbs.scalar(select(func.count()).where(Report.received_at >= start,
                                                              Report.received_at < end)) or 0
            compute(dbs, period, now=datetime.now(timezone.utc), threshold=threshold, nation=NATION, tz=TZ)  # warm
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                compute(dbs, period, now=datetime.now(timezone.utc), threshold=threshold, nation=NATION, tz=TZ)
                times.append((time.perf_counter() - began) * 1000)
                dbs.rollback()
        return times, in_period
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--target-ms", type=float, default=1000.0)
    parser.add_argument("--postgres-url", default=os.environ.get("PORTAL_TEST_POSTGRES", bench_queue.DEFAULT_POSTGRES))
    parser.add_argument("--schema", default="bench_indicators")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    today = datetime.now(timezone.utc).date()
    quarter = Period.containing("quarter", today).previous()
    month = Period.containing("month", today)
    longest = Period.custom(today - timedelta(days=3 * 365), today)
    failed = False
    print(f"{'backend':9} {'period':32} {'reports in it':>14} {'median ms':>10} {'slowest ms':>11}  target")
    for name in (("sqlite", "postgres") if args.backend == "both" else (args.backend,)):
        backend = (bench_queue.SQLite(False) if name == "sqlite"
                   else bench_queue.Postgres(args.postgres_url, args.schema, False))
        try:
            backend.setup()
        except Exception as error:  # noqa: BLE001 - a backend that is not there is reported, not a traceback
            print(f"{name}: cannot set up: {type(error).__name__}: {error}", file=sys.stderr)
            return 2
        try:
            began = time.perf_counter()
            filled = bench_queue.fill(backend, args.reports, args.seed, True)
            entries = add_entries(backend, filled.staff_id, args.seed)
            print(f"{name}: filled {args.reports:,} reports and {entries:,} case entries in "
                  f"{time.perf_counter() - began:.0f} s ({filled.size})", file=sys.stderr)
            for label, period, target in ((f"quarter {quarter.first:%Y-%m}", quarter, args.target_ms),
                                          (f"month {month.first:%Y-%m}", month, None),
                                          (f"custom {longest.first}..{longest.last}", longest, None)):
                times, count = time_period(backend.url, period, args.repeats)
                median = statistics.median(times)
                verdict = "" if target is None else ("ok" if median <= target else "MISSED")
                failed |= verdict == "MISSED"
                print(f"{name:9} {label:32} {count:>14,} {median:>10.0f} {max(times):>11.0f}  "
                      f"{'' if target is None else f'<= {target:.0f} ms {verdict}'}")
        finally:
            backend.teardown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
