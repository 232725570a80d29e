"""What the casework modules share: the named errors, the audit helper, and the triage side's private keys."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from portal.crypto.keys import KeyFileError, load_private_keys
from portal.crypto.sealing import Opener, Unopened
from portal.store.models import AuditEvent, Report, StaffUser


class CaseUnavailable(Exception):
    """The private key is not here or will not open: this host cannot show case content."""


class NotAllowed(Exception):
    """The change is not allowed in the case's current state, or breaks a safety rule."""


def opener() -> Opener:
    """The private keys, unwrapped once per process (Argon2id is slow on purpose); case content is
    decrypted per request and never cached."""
    directory = current_app.config.get("PRIVATE_KEY_DIR")
    passphrase = current_app.config.get("KEY_PASSPHRASE")
    cached = current_app.extensions.get("opener")
    # Unwrapped again only when the key files change (`portal keys rotate` or `retire`), not per request.
    stamp = key_files_stamp(Path(directory)) if directory else None
    if cached is not None and current_app.extensions.get("opener_stamp") == stamp:
        return cached
    if not directory or not passphrase:
        raise CaseUnavailable("no private keys on this host")
    try:
        keys = load_private_keys(Path(directory), passphrase)
    except KeyFileError as exc:
        raise CaseUnavailable("private keys will not open") from exc
    if not keys:
        raise CaseUnavailable("no private keys on this host")
    current_app.extensions["opener"] = Opener(keys)
    current_app.extensions["opener_stamp"] = stamp
    return current_app.extensions["opener"]


def key_files_stamp(directory: Path) -> tuple[tuple[str, float], ...]:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime) for p in directory.glob("*.private.json")))
    except OSError:
        return ()


def now() -> datetime:
    return datetime.now(timezone.utc)


def today(tz: str) -> date:
    """Today's date where the team works."""
    return now().astimezone(ZoneInfo(tz)).date()


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; we only ever store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def audit(dbs: Session, staff: StaffUser, action: str, report: Report | None = None, detail: str = "") -> None:
    dbs.add(AuditEvent(at=now(), actor=f"staff:{staff.id}", action=action,
                       report_id=report.id if report else None, detail=detail))


def opened_json(opened: bytes | Unopened) -> dict[str, Any]:
    return json.loads(opened.decode("utf-8")) if isinstance(opened, bytes) else {}


def warn_unopened(what: str, opened: bytes | Unopened) -> None:
    if isinstance(opened, Unopened):
        current_app.logger.warning("a sealed %s would not open here (%s)", what,
                                   "key not here" if opened.missing_key else "does not open")
