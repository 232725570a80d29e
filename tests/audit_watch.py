"""Every audit event the suite writes must have a name in the log's language (portal/staff/audit_actions.py).

A listener on AuditEvent notes each action written; a test that writes one with no name fails at its end. With
PORTAL_AUDIT_WORDS set to a file, each (action, detail) pair is also appended there, for finding detail codes
that have no words yet (tests/staff/test_audit_labels.py reads a sample of them)."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from portal.staff.audit_actions import ACTION_NAMES
from portal.store.models import AuditEvent

_written: list[tuple[str, str]] = []


@event.listens_for(AuditEvent, "init")
def _noted(_target: AuditEvent, _args: Any, kwargs: dict[str, Any]) -> None:
    _written.append((str(kwargs.get("action", "")), str(kwargs.get("detail", ""))))


@pytest.fixture(autouse=True)
def every_audit_action_named() -> Iterator[None]:
    _written.clear()
    yield
    dump = os.environ.get("PORTAL_AUDIT_WORDS")
    if dump:
        with open(dump, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(pair) + "\n" for pair in _written)
    unnamed = sorted({action for action, _detail in _written if action not in ACTION_NAMES})
    assert not unnamed, f"audit actions with no name in portal/staff/audit_actions.py: {unnamed}"
