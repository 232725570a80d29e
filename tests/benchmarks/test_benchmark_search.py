"""benchmarks/search.py runs end to end on a small database and prints its p50/p95 table.

The full run (1,000,000 reports on both backends) takes many minutes and is run by hand; these check that the
script still fills reports and their digests under the app's own index key, that the real `search` finds each
kind of value it was given (a phone number typed another way, an e-mail address, an address, a reference) and
nothing for a value nobody gave, that restricted cases stay hidden from the officer, that `links_of` runs, and
that the indexer indexes sealed reports so search finds them: on SQLite always and on PostgreSQL when it is
there (or required: PORTAL_REQUIRE_POSTGRES=1).

2,000 reports say nothing about the 100 ms target at a million, and five calls make p95 the slowest of five:
on a shared machine one descheduled call would fail the run. So the smoke test loosens the target
(--target-ms) and checks the plumbing and the results. The target itself is for the full run.
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
SCRIPT = ROOT / "benchmarks" / "search.py"
REPORTS = 2000
REQUESTS = 5
KINDS = ["phone", "email", "address", "postcode", "name", "common name", "area", "reference", "miss"]
SMOKE_TARGET_MS = "1000"


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run([sys.executable, str(SCRIPT), "--reports", str(REPORTS), "--requests", str(REQUESTS),
                             "--warmup", "1", "--index-reports", "100", "--target-ms", SMOKE_TARGET_MS, *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def rows_of(output: str, backend: str) -> dict[str, re.Match[str]]:
    rows = {}
    kinds = "|".join([*KINDS, "links_of"])
    for line in output.splitlines():
        match = re.match(rf"^{backend}\s+({kinds})\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+) / ([\d.]+) / (\d+)"
                         r"\s+(\d+/\d+|-)\s+", line)
        if match:
            rows[match.group(1)] = match
    return rows


def check(output: str, backend: str) -> None:
    filled = re.search(rf"^{backend}: filled {REPORTS:,} reports and [\d,]+ digests \((\d+\.\d+) a report\)",
                       output, re.M)
    assert filled and 4.5 <= float(filled.group(1)) <= 7, output  # about 5-6 digests a report
    assert re.search(r"\bp50 ms\s+p95 ms\s+max ms\b", output), output
    rows = rows_of(output, backend)
    assert list(rows) == [*KINDS, "links_of"], output
    for match in rows.values():
        assert 0 < float(match.group(2)) <= float(match.group(3)) <= float(match.group(4)), match.group(0)
    for kind in ("phone", "email", "address", "reference"):  # each search showed the report its value came from
        assert rows[kind].group(8) == f"{REQUESTS}/{REQUESTS}", output
    assert int(rows["reference"].group(7)) == 1, output  # a reference is one case
    assert int(rows["postcode"].group(5)) >= 2, output  # ~15 households share a postcode
    assert int(rows["common name"].group(5)) >= 2, output  # the most common name, found more than once
    assert int(rows["miss"].group(7)) == 0, output  # nobody gave these
    assert f"{len(KINDS)} of {len(KINDS)} kinds of search pass" in output, output
    assert re.search(rf"^{backend}: restricted: \d+ hidden from the officer, .*: 0 shown; 2 named for the officer: "
                     "2 found$", output, re.M), output
    assert re.search(rf"^{backend}: refresh\(\) on opened content: 100 reports in [\d.]+ s, [\d,]+ reports/s "
                     r"\(100 written\); again, nothing changed: [\d,]+ reports/s \(0 written\)", output, re.M), output
    assert re.search(rf"^{backend}: index_reports\(\) .*: 100 reports in [\d.]+ s, [\d,]+ reports/s \(0 unopened\); "
                     r"a million would take [\d.]+ min", output, re.M), output
    assert f"{backend}: a report indexed by index_reports() is found by search(): yes" in output, output
    assert "CHECK FAILED" not in output, output


def test_search_benchmark_on_sqlite() -> None:
    check(run("--backend", "sqlite"), "sqlite")


def test_search_benchmark_on_postgresql() -> None:
    require_postgres()  # tests/pg.py: skipped with a reason, or a failure in CI
    schema = "bench_t_" + secrets.token_hex(4)
    check(run("--backend", "postgres", "--schema", schema, "--postgres-url", POSTGRES_URL), "postgres")
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:  # the script drops its schema afterwards
            left = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema})
            assert left.scalar() == 0
    finally:
        engine.dispose()
