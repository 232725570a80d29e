"""benchmarks/indicators.py runs end to end on a small database and prints its table.

The full run (1,000,000 reports on both backends) takes minutes and is run by hand; this checks that the script
still fills, adds case entries, computes every period and reports, on SQLite always and on PostgreSQL when it
is there (or required: PORTAL_REQUIRE_POSTGRES=1). 3,000 reports say nothing about the 1 s target at a million.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import POSTGRES_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.single_pass  # it runs both databases itself
SCRIPT = ROOT / "benchmarks" / "indicators.py"


def run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run([sys.executable, str(SCRIPT), "--reports", "3000", "--repeats", "2", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def check(output: str, backend: str) -> None:
    assert re.search(rf"^{backend}: filled 3,000 reports and [\d,]+ case entries", output, re.M), output
    rows = re.findall(rf"^{backend}\s+(quarter|month|custom) \S+\s+([\d,]+)\s+(\d+)\s+(\d+)", output, re.M)
    assert [r[0] for r in rows] == ["quarter", "month", "custom"], output
    quarter, _month, longest = (int(r[1].replace(",", "")) for r in rows)
    assert 0 < quarter < longest <= 3000, output  # five years of reports: a quarter holds a few of them
    assert re.search(rf"^{backend}\s+quarter .*<= 1000 ms ok$", output, re.M), output


def test_indicators_benchmark_on_sqlite() -> None:
    check(run("--backend", "sqlite"), "sqlite")


def test_indicators_benchmark_on_postgresql() -> None:
    require_postgres()
    check(run("--backend", "postgres", "--schema", "bench_i_" + secrets.token_hex(4), "--postgres-url",
              POSTGRES_URL), "postgres")
