"""benchmarks/audit.py runs end to end on a small database and prints its p50/p95 table.

The full run (5,000,000 audit rows on both backends) takes many minutes and is run by hand; this checks that the
script fills the log, that every page it times renders for the lead with the rows a page should have (a full
page of 100 where the log has that many; fewer for one officer in one month), that the older page it builds from
a cursor works, and that it says PASS or FAIL for each: on SQLite always and on PostgreSQL when it is there (or
required: PORTAL_REQUIRE_POSTGRES=1). Small figures say nothing of the target at five million rows, and five calls
make p95 the slowest of five, so the smoke test loosens the target (--target-ms)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.single_pass  # it runs both databases itself
PAGES = ["first page", "an older page, half way back", "one officer", "one action", "one case",
         "a month a year ago", "one officer in that month"]


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "audit.py"), "--events", "20000",
                             "--reports", "300", "--requests", "5", "--warmup", "1", "--target-ms", "1000", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def check(output: str, backend: str) -> None:
    assert re.search(rf"^{backend}: filled 300 reports in \d+ s and 20,000 audit rows", output, re.M), output
    rows = {}
    for line in output.splitlines():
        match = re.match(rf"^{backend}\s+(.+?)\s+(\d+)\s+(\d+\.\d)\s+(\d+\.\d)\s+(PASS|FAIL)\s+(/staff/audit\S*)$",
                         line)
        if match:
            rows[match.group(1)] = match
    assert list(rows) == PAGES, output
    for label in ("first page", "an older page, half way back", "one action", "a month a year ago"):
        assert rows[label].group(2) == "100", output  # a full page: the log has more than that
    assert 0 < int(rows["one case"].group(2)) <= 100, output
    for match in rows.values():
        assert float(match.group(3)) <= float(match.group(4)) and match.group(5) == "PASS", match.group(0)
    assert "before=" in rows["an older page, half way back"].group(6)


def test_the_audit_benchmark_runs_on_sqlite():
    check(run("--backend", "sqlite"), "sqlite")


def test_the_audit_benchmark_runs_on_postgresql():
    require_postgres()
    check(run("--backend", "postgres", "--schema", "bench_audit_smoke"), "postgres")
