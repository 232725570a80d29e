"""benchmarks/receipt.py runs end to end: a real receipt signs in, wrong ones do not, and it prints the
Argon2id cost, the sign-in times and the guessing arithmetic. (The figures are for the full run, by hand.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.single_pass


def test_the_receipt_benchmark_runs_and_reports():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "receipt.py"), "--tries", "3"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "unexpected status" not in out  # the real receipt signed in, the wrong ones did not
    assert "Argon2id" in out and "sign-in, real  receipt" in out and "sign-in, wrong receipt" in out
    assert "expected" in out and "years to find one" in out
