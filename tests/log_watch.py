"""Everything the servers log during the whole test run, kept for one search at the end.

A handler on the root logger writes every record (INFO and up, from the app, the staff side, the spool,
SQLAlchemy, Werkzeug's live server in the browser tests) to one file; servers started as subprocesses
(gunicorn in the crash and throughput tests) write their error logs beside it (PORTAL_TEST_LOG_DIR). Every
plaintext the suite seals is remembered, so the search knows what report text looks like without a list
kept by hand. tests/test_zz_log_scan.py runs last and searches it all.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

SEALED: list[bytes] = []
LOG_DIR_VARIABLE = "PORTAL_TEST_LOG_DIR"
SUITE_LOG = "suite.log"


def log_dir() -> Path:
    return Path(os.environ[LOG_DIR_VARIABLE])


_made_here: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    if LOG_DIR_VARIABLE not in os.environ:
        os.environ[LOG_DIR_VARIABLE] = tempfile.mkdtemp(prefix="portal-test-logs-")
        _made_here.append(Path(os.environ[LOG_DIR_VARIABLE]))
    handler = logging.FileHandler(log_dir() / SUITE_LOG, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    # Not ours: aiosmtpd, the test SMTP server standing in for the organisation's mail relay, logs its peers.
    handler.addFilter(lambda record: not record.name.startswith("mail.log"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, logging.INFO))

    import portal.crypto.sealing

    original = portal.crypto.sealing.Sealer.seal

    def remembering(self: Any, plaintext: bytes, purpose: str, record_id: str) -> bytes:
        SEALED.append(plaintext)
        return original(self, plaintext, purpose, record_id)

    portal.crypto.sealing.Sealer.seal = remembering  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The search runs after everything else, over everything they logged.
    last = [item for item in items if item.get_closest_marker("log_scan")]
    items[:] = [item for item in items if not item.get_closest_marker("log_scan")] + last


def sealed_strings(min_length: int = 10) -> set[str]:
    """Every string someone typed into something the suite sealed (reports, notes, case entries)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value.strip()) >= min_length:
            found.add(value.strip())

    for plaintext in SEALED:
        try:
            walk(json.loads(plaintext))
        except ValueError:
            walk(plaintext.decode("utf-8", "replace"))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Kept for reading when something failed; otherwise tidied away.
    if exitstatus == 0 and _made_here:
        import shutil
        shutil.rmtree(_made_here[0], ignore_errors=True)
