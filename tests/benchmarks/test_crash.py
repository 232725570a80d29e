"""A short run of benchmarks/crash.py: the public server is SIGKILLed (master and workers) under concurrent
submissions and restarted, and every report a client saw acknowledged must be stored once and open.

The full run (20 kills, 20,000 acknowledged reports) takes minutes; this one takes 3 kills and 200 reports, on
SQLite in a throw-away instance directory, through real gunicorn processes. It checks the counts as the
script prints them, and the exit code.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "crash.py"
KILLS = 3
REPORTS = 200


def counts(output: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(acknowledged|lost|duplicated|undecryptable|kills): (\d+)$", output, re.M)}


def test_no_acknowledged_report_is_lost_when_the_server_is_killed() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    process = subprocess.Popen([sys.executable, str(SCRIPT), "--kills", str(KILLS), "--reports", str(REPORTS)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the script then stops its gunicorn process group and removes its files.
        process.terminate()
        stdout, stderr = process.communicate(timeout=60)
        raise AssertionError(f"the crash run took over 180 s\n{stdout}{stderr}") from None
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    output = result.stdout + result.stderr
    found = counts(result.stdout)
    assert set(found) == {"acknowledged", "lost", "duplicated", "undecryptable", "kills"}, output
    assert found["kills"] >= KILLS, output
    assert found["acknowledged"] >= REPORTS, output
    assert (found["lost"], found["duplicated"], found["undecryptable"]) == (0, 0, 0), output
    # The four counts end the output, in this order, one per line.
    assert [line.split(":")[0] for line in result.stdout.strip().splitlines()[-4:]] == \
        ["acknowledged", "lost", "duplicated", "undecryptable"], output
    assert "abandoned: 0" in result.stdout and "wrong reference: 0" in result.stdout, output
    assert result.returncode == 0, output
