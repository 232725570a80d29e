"""benchmarks/queue.py runs end to end on a small database and prints its p50/p95 table.

The full run (1,000,000 reports on both backends) takes several minutes and is run by hand; these check
that the script still fills, signs in, serves every queue page and reports, on SQLite always and on
PostgreSQL when it is there (or required: PORTAL_REQUIRE_POSTGRES=1).

3,000 reports say nothing about the 50 ms target at a million, and five requests make p95 the slowest of
five: on a shared machine one descheduled request would fail the run. So the smoke test loosens the target
(--target-ms) and checks the plumbing: exit code 0, the table, the data mix. The target itself is for the
full run.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.pg import POSTGRES_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.single_pass  # it runs both databases itself
SCRIPT = ROOT / "benchmarks" / "queue.py"
POSTGRES = POSTGRES_URL
PAGES = ["/staff/", "/staff/?owner=mine", "/staff/?overdue=1", "/staff/?kind=agency&language=cy",
         "/staff/?flag=danger&flag=children", "/staff/?status=closed",
         "/staff/?follow=my_tasks", "/staff/?follow=reviews_overdue", "/staff/?owner=mine&follow=reviews_overdue",
         "/staff/?follow=breathing_space", "/staff/?follow=monitored"]
REPORTS = 3000
SMOKE_TARGET_MS = "1000"


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run([sys.executable, str(SCRIPT), "--reports", str(REPORTS), "--requests", "5",
                             "--target-ms", SMOKE_TARGET_MS, *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def rows_of(output: str, backend: str) -> dict[str, re.Match[str]]:
    rows = {}
    for line in output.splitlines():
        match = re.match(rf"^{backend}\s+(\S+)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+)\s+([\d,]+)\s+.*\sPASS$", line)
        if match:
            rows[match.group(1)] = match
    return rows


def check(output: str, backend: str) -> None:
    assert re.search(r"\bp50 ms\s+p95 ms\b", output), output
    assert re.search(rf"^{backend}: filled {REPORTS:,} reports in [\d.]+ s", output, re.M), output
    rows = rows_of(output, backend)
    assert list(rows) == PAGES, output
    for match in rows.values():
        assert 0 < float(match.group(2)) <= float(match.group(3)), match.group(0)  # p50 <= p95
    # The mix: 5% open, the rest closed; the first page is full.
    # The page prints counts without separators ("2850"); the benchmark passes them on as shown.
    assert (rows["/staff/"].group(4), rows["/staff/"].group(5).replace(",", "")) == ("50", str(REPORTS // 20)), output
    assert rows["/staff/?status=closed"].group(5).replace(",", "") == str(REPORTS - REPORTS // 20), output
    assert f"{len(PAGES)} of {len(PAGES)} pages pass" in output, output
    # After first contact: contacted cases have what is next, tasks, and some closed cases are monitored.
    assert re.search(r"[1-9][\d,]* contacted, [1-9][\d,]* with a review overdue\); [1-9][\d,]* tasks", output), output
    assert int(rows["/staff/?follow=reviews_overdue"].group(5).replace(",", "")) > 0, output
    assert int(rows["/staff/?follow=monitored"].group(5).replace(",", "")) > 0, output


def test_queue_benchmark_on_sqlite() -> None:
    check(run("--backend", "sqlite"), "sqlite")



def test_queue_benchmark_on_postgresql() -> None:
    require_postgres()  # tests/pg.py: skipped with a reason, or a failure in CI
    schema = "bench_t_" + secrets.token_hex(4)
    check(run("--backend", "postgres", "--schema", schema, "--postgres-url", POSTGRES), "postgres")
    engine = create_engine(POSTGRES)
    try:
        with engine.connect() as conn:  # the script drops its schema afterwards
            left = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema})
            assert left.scalar() == 0
    finally:
        engine.dispose()
