"""The audit log at five million rows, on SQLite and PostgreSQL: how long do its first page and its filtered pages take?

Run from the repository root:

    .venv/bin/python benchmarks/audit.py                      # both backends, 5,000,000 audit rows
    .venv/bin/python benchmarks/audit.py --backend sqlite --events 500000 --reports 20000

It fills the database through the real migrations with reports as benchmarks/queue.py does (`fill`, 100,000 by
default: the log joins each row to its case's reference) and a lead, then `--events` audit rows over five years,
newest last, in a realistic mix: 40 staff and the portal's own jobs as the actors, the actions weighted as a team
makes them (opening cases and reports most, exports rarely), 85% about a case. The indexes are dropped for the
fill and made again after it, as in the queue benchmark, and the tables analysed.

Then, as a signed-in lead through the whole app (Flask test client: the view, the query, the labels, the page),
it times each page --requests times after --warmup: the first page; an older page in the middle of the log (its
`before=` cursor); a filter by one officer; by one action; by one case; by a month a year ago; and an officer and
a month together. It prints p50 and p95 per page and passes a page whose p95 is at most --target-ms (100). The
CSV export is not timed: it streams, a batch at a time, by the same keyset. Exits 1 if a page misses the target,
2 if a backend cannot be set up.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from portal.store.models import AuditEvent, StaffUser  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_queue", ROOT / "benchmarks" / "queue.py")
bench_queue: Any = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["bench_queue"] = bench_queue  # its dataclasses look their module up
_spec.loader.exec_module(bench_queue)  # type: ignore[union-attr]

CHUNK = 50_000
STAFF = 40
YEARS = 5
# (action, weight, detail): how often a team writes each, roughly; details are codes, never content.
ACTIONS = [("report.indexed", 10, "2e9f268cd37d3bf7"), ("case.opened", 45, "case"),
           ("case.contact_recorded", 8, "person:call:no_answer"), ("case.status_changed", 6, "new->contact_attempted"),
           ("staff.signed_in", 6, ""), ("staff.signed_out", 4, ""), ("case.note_added", 4, ""),
           ("case.task_state", 3, "17 security in_progress->done"), ("case.risk_recorded", 2, "police dash medium"),
           ("case.review_recorded", 2, "risk_changed on_time"), ("case.claimed", 2, ""),
           ("case.assigned", 2, "to staff:3"), ("case.profile_changed", 1, "person:v2"),
           ("case.share_added", 1, "police basis:consent"),
           ("marac.referred", 1, "criteria:visible_high consent:given"),
           ("search.run", 1, "found:3"), ("indicators.viewed", 1, "quarter:2026-04-01..2026-06-30"),
           ("report.opened", 1, "cli")]
PG_TYPES = ["timestamptz", "text", "text", "text", "text"]
COLUMNS = ["at", "actor", "action", "report_id", "detail"]


def audit_rows(n: int, report_ids: list[str], staff_ids: list[int], rng: random.Random):  # type: ignore[no-untyped-def]
    """`n` rows oldest first over YEARS years up to now, in chunks."""
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=YEARS * 365)
    step = (now - start) / n
    codes = [a for a, _w, _d in ACTIONS]
    weights = [w for _a, w, _d in ACTIONS]
    detail = {a: d for a, _w, d in ACTIONS}
    busy = staff_ids[: max(1, len(staff_ids) // 4)]  # a quarter of the team do half the work
    chunk: list[tuple[Any, ...]] = []
    for i in range(n):
        action = rng.choices(codes, weights)[0]
        system = action == "report.indexed" or rng.random() < 0.02
        actor = "system:index" if system else f"staff:{rng.choice(busy if rng.random() < 0.5 else staff_ids)}"
        report = rng.choice(report_ids) if not action.startswith(("staff.", "indicators.", "search.")) \
            and rng.random() < 0.95 else None
        chunk.append((start + step * i, actor, action, report, detail[action]))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def copy(backend: Any, engine: Any, rows: list[tuple[Any, ...]]) -> None:
    if backend.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(insert(AuditEvent.__table__), [dict(zip(COLUMNS, r, strict=True)) for r in rows])
        return
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cursor:
            with cursor.copy(f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as out:
                out.set_types(PG_TYPES)
                for row in rows:
                    out.write_row(row)
        pg.commit()
    finally:
        raw.close()


def fill_audit(backend: Any, events: int, seed: int) -> tuple[int, list[str], float]:
    """The lead, then the audit rows; returns the lead's id, some case references, and the seconds taken."""
    began = time.perf_counter()
    engine = backend.fill_engine()
    try:
        with engine.begin() as conn:
            conn.execute(insert(StaffUser.__table__), [
                {"email": f"staff{k:02d}@bench.example", "name": f"Staff {k:02d}", "role": "officer",
                 "language": "en", "password_hash": "bench", "totp_secret": "bench", "totp_enrolled": True,
                 "totp_last_step": 0, "active": True, "session_epoch": 0,
                 "created_at": datetime.now(timezone.utc)} for k in range(STAFF)])
            conn.execute(insert(StaffUser.__table__), [
                {"email": "lead@bench.example", "name": "Lead", "role": "lead", "language": "en",
                 "password_hash": "bench", "totp_secret": "bench", "totp_enrolled": True, "totp_last_step": 0,
                 "active": True, "session_epoch": 0, "created_at": datetime.now(timezone.utc)}])
            lead = conn.execute(text("SELECT id FROM staff_user WHERE email = 'lead@bench.example'")).scalar_one()
            staff_ids = list(conn.execute(text("SELECT id FROM staff_user WHERE role = 'officer'")).scalars())
            reports = [tuple(r) for r in conn.execute(text("SELECT id, reference FROM report"))]
            indexes = backend.secondary_indexes(conn, "audit_event")
            for name, _sql in indexes:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
        rng = random.Random(seed)
        report_ids = [r[0] for r in reports]
        done = 0
        for rows in audit_rows(events, report_ids, staff_ids, rng):
            copy(backend, engine, rows)
            done += len(rows)
            if sys.stdout.isatty():
                print(f"\r{backend.name}: {done:,} of {events:,} audit rows", end="", flush=True)
        if sys.stdout.isatty():
            print("\r" + " " * 60 + "\r", end="")
        with engine.begin() as conn:
            if backend.name == "postgres":
                conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            for _name, sql in indexes:
                conn.exec_driver_sql(sql)
        if backend.name == "postgres":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) audit_event"))
                conn.execute(text("CHECKPOINT"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        os.sync()
    finally:
        engine.dispose()
    return lead, [r[1] for r in rng.sample(reports, 3)], time.perf_counter() - began


def pages(client: Any, lead: int, references: list[str]) -> list[tuple[str, str]]:
    """The pages to time: (label, path)."""
    first = client.get("/staff/audit").get_data(as_text=True)
    if "<h1>Audit log</h1>" not in first:
        raise RuntimeError("the audit log did not render for the lead")
    officer = f"staff:{lead - 1}"
    first_day = (datetime.now(timezone.utc).date().replace(day=1) - timedelta(days=365)).replace(day=1)
    last_day = (first_day + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    month = f"since={first_day}&until={last_day}"
    middle = client.get("/staff/audit").get_data(as_text=True)
    # An older page in the middle: follow "Older" from a cursor half way back through the log.
    found = middle.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    micros, _sep, row_id = found.split("before=", 1)[1].partition("-")
    half = f"{int(micros) - int(YEARS * 365 * 86400 * 1e6 / 2)}-{int(row_id) // 2}"
    return [("first page", "/staff/audit"), ("an older page, half way back", f"/staff/audit?before={half}"),
            ("one officer", f"/staff/audit?who={officer}"), ("one action", "/staff/audit?what=case.status_changed"),
            ("one case", f"/staff/audit?case={references[0]}"), ("a month a year ago", f"/staff/audit?{month}"),
            ("one officer in that month", f"/staff/audit?who={officer}&{month}")]


def measure(backend: Any, lead: int, references: list[str], requests: int, warmup: int) -> list[tuple[str, str,
                                                                                                     list[float], int]]:
    instance = Path(tempfile.mkdtemp(prefix="bench-audit-instance-"))
    for name in bench_queue.ISOLATE:
        os.environ.pop(f"PORTAL_{name}", None)
    os.environ.update({"PORTAL_ENV": "test", "PORTAL_INSTANCE_DIR": str(instance),
                       "PORTAL_DATABASE_URL": backend.url})
    from portal import create_app

    app = create_app({"TESTING": True})
    client = app.test_client()
    now = time.time()
    with client.session_transaction(path="/staff/") as session:
        session.update({"staff_id": lead, "epoch": 0, "since": now, "seen": now})
    results = []
    try:
        for label, path in pages(client, lead, references):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: status {response.status_code}")
            rows = response.get_data(as_text=True).count("<tr>") - 1
            for _ in range(warmup):
                client.get(path).get_data()
            gc.collect()
            times = bench_queue.timed(lambda path=path: client.get(path).get_data(), requests)
            results.append((label, path, times, rows))
    finally:
        app.extensions["engine"].dispose()
        shutil.rmtree(instance, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the audit log against a large database.")
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--schema", default="bench_audit")
    parser.add_argument("--postgres-url", default=os.environ.get("PORTAL_TEST_POSTGRES", bench_queue.DEFAULT_POSTGRES))
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    if args.events < 1000 or args.reports < 100:
        parser.error("--events must be at least 1000 and --reports at least 100")
    print(f"Audit log benchmark: {args.events:,} audit rows, {args.reports:,} reports; {args.requests} timed "
          f"requests per page after {args.warmup}; target p95 <= {args.target_ms:g} ms (whole request).")
    failed = 0
    lines = []
    for name in (("sqlite", "postgres") if args.backend == "both" else (args.backend,)):
        backend = bench_queue.SQLite(False) if name == "sqlite" else bench_queue.Postgres(args.postgres_url,
                                                                                           args.schema, False)
        try:
            backend.setup()
        except Exception as exc:  # noqa: BLE001 - say why, plainly, and stop
            print(f"{name}: cannot set up the database: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
        try:
            filled = bench_queue.fill(backend, args.reports, args.seed, True)
            lead, references, seconds = fill_audit(backend, args.events, args.seed)
            print(f"{name}: filled {args.reports:,} reports in {filled.seconds:.0f} s and {args.events:,} audit "
                  f"rows in {seconds:.0f} s", flush=True)
            load = os.getloadavg()[0]
            for label, path, times, rows in measure(backend, lead, references, args.requests, args.warmup):
                p95 = bench_queue.percentile(times, 95)
                ok = p95 <= args.target_ms
                failed += not ok
                lines.append(f"{name:9} {label:30} {rows:>5} {statistics.median(times):>8.1f} {p95:>8.1f}  "
                             f"{'PASS' if ok else 'FAIL'}   {path}")
            print(f"{name}: load average {load:.1f} before measuring, {os.getloadavg()[0]:.1f} after, on "
                  f"{os.cpu_count()} CPUs", flush=True)
        finally:
            backend.teardown()
    print(f"\n{'backend':9} {'page':30} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}  result path")
    print("\n".join(lines))
    print(f"{len(lines) - failed} of {len(lines)} pages pass (p95 <= {args.target_ms:g} ms).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
