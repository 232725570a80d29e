"""The spool: where a sealed report waits, durably, while the database cannot be reached.

A report is sealed before anything else happens, so a spool file holds exactly what the database row would:
the sealed bytes and the same few plaintext queue columns (times, kind, flags, language). One file per
report, named by the report's idempotency hash, written with the classic durable pattern: write a private
temporary file, fsync it, hard-link it to its final name (which fails if a double tap got there first),
fsync the directory. A file under its final name is therefore always whole.

Replaying inserts each file's row and only then deletes the file, so a crash in between leaves a file whose
row is already there; the next replay finds it by its idempotency hash (and its id) and just deletes it.
Each report is stored exactly once. Replays take a lock, so two workers never replay the same file at once.
"""
from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from portal.store.models import Report

FORMAT = "portal-spooled-report"
SUFFIX = ".report.json"
log = logging.getLogger("portal.store.spool")

_COLUMNS = ("id", "reference", "reporter_kind", "danger_now", "children", "no_contact", "contact_language",
            "status", "is_open", "band", "contacted", "idempotency_hash", "key_id", "due_basis", "out_of_hours",
            "clock", "approach", "channel", "restricted", "taken_by", "under_16", "adult_at_risk", "risk_level",
            "staff_sex", "equality_pending")
_TIMES = ("received_at", "first_contact_due", "target_due")
# Version 1 files (written before the safe-contact clock) lack the newer columns: these stand in for them.
_V1_DEFAULTS = {"due_basis": "target", "out_of_hours": False, "clock": "reach", "approach": "direct"}
# Version 2 files (written before staff intake and restricted cases) came from the website, unrestricted.
_V2_DEFAULTS = {"channel": "web", "restricted": "", "taken_by": None}
# Version 3 files (written before the safeguarding questions and an agency's risk assessment on arrival).
_V3_DEFAULTS = {"under_16": False, "adult_at_risk": False, "risk_level": ""}
# Version 4 files (written before the person's wish to speak to a woman or a man was a plain code).
_V4_DEFAULTS = {"staff_sex": ""}
# Version 5 files (written before the equality monitoring questions) had none to count.
_V5_DEFAULTS = {"equality_pending": False}


class SpoolUnavailable(Exception):
    """The spool could not take the report either (disk full, read-only, missing): it is not stored."""


@dataclass
class ReplayResult:
    stored: int = 0
    already_stored: int = 0
    left: int = 0  # still waiting: the database is still down, or a file needs a person (see the log)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def path_for(directory: Path, idempotency_hash: str) -> Path:
    return directory / f"{idempotency_hash}{SUFFIX}"


def columns(report: Report) -> dict[str, Any]:
    """The row's values, as the database takes them."""
    # Until first contact, what is next on a case is first contact (the model keeps this for ORM writes too).
    return {**{name: getattr(report, name) for name in (*_COLUMNS, *_TIMES)}, "sealed": report.sealed,
            "next_due": report.first_contact_due}


def to_document(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = {"format": FORMAT, "version": 6}
    document.update({name: getattr(report, name) for name in _COLUMNS})
    document.update({name: getattr(report, name).isoformat() for name in _TIMES})
    document["sealed"] = base64.b64encode(report.sealed).decode("ascii")
    return document


def from_document(document: dict[str, Any]) -> Report:
    if document.get("format") != FORMAT or document.get("version") not in (1, 2, 3, 4, 5, 6):
        raise ValueError("not a spooled report")
    if document["version"] == 1:
        document = {**_V1_DEFAULTS, "target_due": document["first_contact_due"], **document}
    if document["version"] in (1, 2):
        document = {**_V2_DEFAULTS, **document}
    if document["version"] in (1, 2, 3):
        document = {**_V3_DEFAULTS, **document}
    if document["version"] in (1, 2, 3, 4):
        document = {**_V4_DEFAULTS, **document}
    if document["version"] in (1, 2, 3, 4, 5):
        document = {**_V5_DEFAULTS, **document}
    values = {name: document[name] for name in _COLUMNS}
    values.update({name: datetime.fromisoformat(document[name]) for name in _TIMES})
    return Report(sealed=base64.b64decode(document["sealed"], validate=True), **values)


def read(path: Path) -> Report:
    return from_document(json.loads(path.read_text(encoding="utf-8")))


def find(directory: Path, idempotency_hash: str) -> Report | None:
    """The report of this submission key waiting in the spool, if there is one."""
    try:
        return read(path_for(directory, idempotency_hash))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError):
        return None  # unreadable here: replay will report it; the caller carries on as if absent


def write(directory: Path, report: Report) -> Report:
    """Store the report durably in the spool. If this submission is already spooled (a double tap during
    the outage), nothing is written and the spooled report is returned, so both taps get one receipt."""
    final = path_for(directory, report.idempotency_hash)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = directory / f".{report.idempotency_hash}.{secrets.token_hex(4)}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(to_document(report), handle)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, final)
            except FileExistsError:
                return read(final)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_dir(directory)
    except (OSError, ValueError) as exc:
        raise SpoolUnavailable(type(exc).__name__) from exc
    return report


def waiting(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.name.endswith(SUFFIX))
    except FileNotFoundError:
        return []


@contextmanager
def _lock(directory: Path, block: bool) -> Iterator[bool]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def store(dbs: Session, report: Report) -> bool:
    """Insert one spooled report unless it is already there. True if inserted now. Raises SQLAlchemyError
    if the database is still unavailable, and ValueError if a different report holds its reference."""
    def present() -> bool:
        return dbs.scalar(select(Report.id).where(Report.idempotency_hash == report.idempotency_hash)) is not None

    if present():
        return False
    dbs.add(report)
    try:
        dbs.commit()
        return True
    except IntegrityError:
        dbs.rollback()
        if present():
            return False  # another worker replayed it a moment ago
        raise ValueError("reference already used") from None


def replay(maker: sessionmaker[Session], directory: Path, block: bool = True,
           limit: int | None = None) -> ReplayResult:
    """Move spooled reports (every one, or the first `limit`) into the database, each exactly once."""
    result = ReplayResult()
    with _lock(directory, block) as locked:
        if not locked:
            result.left = len(waiting(directory))  # another worker is replaying right now
            return result
        _sweep_temporaries(directory)
        for path in waiting(directory)[:limit]:
            try:
                report = read(path)
            except FileNotFoundError:
                continue
            except (OSError, ValueError, KeyError) as exc:
                log.error("spooled report unreadable (%s); left in the spool for a person to check",
                          type(exc).__name__)
                result.left += 1
                continue
            try:
                with maker() as dbs:
                    inserted = store(dbs, report)
            except SQLAlchemyError as exc:
                log.warning("database still unavailable (%s); spooled reports wait", type(exc).__name__)
                result.left = len(waiting(directory))
                return result
            except ValueError:
                # The reference the person was given is taken (odds about 1 in 10^11): keep the file for a
                # person to resolve rather than give the report a reference its sender does not know.
                log.error("spooled report's reference already in use; left in the spool for a person to check")
                result.left += 1
                continue
            path.unlink(missing_ok=True)
            _fsync_dir(directory)
            if inserted:
                result.stored += 1
            else:
                result.already_stored += 1
    if result.stored or result.already_stored:
        log.info("spool replayed: %d stored, %d already stored, %d left", result.stored,
                 result.already_stored, result.left)
    return result


def _sweep_temporaries(directory: Path, older_than: float = 3600) -> None:
    # A temporary file is left only by a crash mid-write, before its report was acknowledged.
    cutoff = time.time() - older_than
    for path in directory.glob(".*.tmp"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


# --- replaying automatically --------------------------------------------------------------------------------

def _replay_loop(app: Any, directory: Path, interval: float) -> None:
    maker = app.extensions["sessionmaker"]
    while True:
        time.sleep(interval)
        try:
            if waiting(directory):
                replay(maker, directory, block=False)
        except Exception as exc:  # never let the thread die: the next round tries again
            log.error("spool replay failed (%s)", type(exc).__name__)


def start_replayer(app: Any) -> None:
    """Once per worker process (after gunicorn forks): a thread that replays the spool every so often.
    Cheap when the spool is empty: one directory listing."""
    import threading

    pid = os.getpid()
    if app.extensions.get("spool_replayer") == pid:
        return
    if app.testing and not app.config.get("SPOOL_REPLAY_IN_TESTS"):
        return  # hundreds of short-lived test apps need no thread each (the test of the thread asks for one)
    app.extensions["spool_replayer"] = pid
    interval = float(app.config["SPOOL_REPLAY_SECONDS"])
    threading.Thread(target=_replay_loop, args=(app, Path(app.config["SPOOL_DIR"]), interval),
                     name="spool-replay", daemon=True).start()
