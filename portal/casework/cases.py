"""Working a case: opening it (decrypted for one request, audited first), the status workflow, contact
attempts that stop the first-contact clock, and sealed entries (notes, risk checklists, actions, sharing).

Everything anyone typed about a case is sealed to the public key like the report itself; the plaintext
columns hold only codes, dates and counts (docs/data-map.md).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.queue import STATUSES
from portal.crypto.keys import KeyFileError, load_private_keys
from portal.crypto.sealing import Opener, Unopened, try_open
from portal.intake import conversations
from portal.intake.conversations import note_contact_attempt
from portal.intake.reports import PURPOSE as REPORT_PURPOSE
from portal.intake.reports import ReportNotStored, current_sealer
from portal.store.models import AuditEvent, CaseEntry, ContactAttempt, Report, StaffUser

CLOSE_REASONS = ("support_in_place", "declined", "no_safe_contact", "moved_away", "another_agency",
                 "not_domestic_abuse", "duplicate")
OUTCOMES = ("spoke", "no_answer", "voicemail", "message_sent", "someone_else", "not_safe_now", "wrong_details")
ENTRY_KINDS = ("note", "risk", "action", "share")


class CaseUnavailable(Exception):
    """The private key is not here or will not open: this host cannot show case content."""


class NotAllowed(Exception):
    """The change is not allowed in the case's current state, or breaks a safety rule."""


@dataclass
class OpenedEntry:
    entry: CaseEntry
    staff_name: str
    content: dict[str, Any]  # {} when the entry would not open (see `unopened`)
    unopened: Unopened | None = None


@dataclass
class OpenedCase:
    """A case decrypted for one request. A sealed record that would not open is marked, not fatal."""

    content: dict[str, Any]  # the report's answers; {} when the report would not open
    unopened: Unopened | None
    entries: list[OpenedEntry]
    conversation: conversations.TeamView | None


def opener() -> Opener:
    """The private keys, unwrapped once per process (Argon2id is slow on purpose); case content is
    decrypted per request and never cached."""
    directory = current_app.config.get("PRIVATE_KEY_DIR")
    passphrase = current_app.config.get("KEY_PASSPHRASE")
    cached = current_app.extensions.get("opener")
    # Unwrapped again only when the key files change (`portal keys rotate` or `retire`), not per request.
    stamp = _key_files_stamp(Path(directory)) if directory else None
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


def _key_files_stamp(directory: Path) -> tuple[tuple[str, float], ...]:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime) for p in directory.glob("*.private.json")))
    except OSError:
        return ()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def audit(dbs: Session, staff: StaffUser, action: str, report: Report | None = None, detail: str = "") -> None:
    dbs.add(AuditEvent(at=_now(), actor=f"staff:{staff.id}", action=action,
                       report_id=report.id if report else None, detail=detail))


def _json(opened: bytes | Unopened) -> dict[str, Any]:
    return json.loads(opened.decode("utf-8")) if isinstance(opened, bytes) else {}


def _warn_unopened(what: str, opened: bytes | Unopened) -> None:
    if isinstance(opened, Unopened):
        current_app.logger.warning("a sealed %s would not open here (%s)", what,
                                   "key not here" if opened.missing_key else "does not open")


def open_case(dbs: Session, report: Report, staff: StaffUser, view: str, *, with_entries: bool = True,
              with_conversation: bool = True, mark_seen: bool = False) -> OpenedCase:
    """Decrypt a report, its entries and its conversation for this request. The audit event is committed
    first, so even a failed opening leaves its trace: every page that shows sealed content comes here."""
    audit(dbs, staff, "case.opened", report, detail=view)
    dbs.commit()
    keys = opener()
    opened = try_open(keys, report.sealed, REPORT_PURPOSE, report.id)
    _warn_unopened("report", opened)
    entries = []
    if with_entries:
        names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
        for entry in dbs.scalars(select(CaseEntry).where(CaseEntry.report_id == report.id)
                                 .order_by(CaseEntry.at.desc())):
            sealed_entry = try_open(keys, entry.sealed, entry.kind, entry.id)
            _warn_unopened("case entry", sealed_entry)
            entries.append(OpenedEntry(entry, names.get(entry.staff_id, "?"), _json(sealed_entry),
                                       sealed_entry if isinstance(sealed_entry, Unopened) else None))
    conversation = conversations.team_view(dbs, report, keys, mark_seen) if with_conversation else None
    return OpenedCase(_json(opened), opened if isinstance(opened, Unopened) else None, entries, conversation)


def contact_attempts(dbs: Session, report: Report) -> list[tuple[ContactAttempt, str]]:
    rows = dbs.execute(select(ContactAttempt, StaffUser.name).join(StaffUser, StaffUser.id == ContactAttempt.staff_id)
                       .where(ContactAttempt.report_id == report.id).order_by(ContactAttempt.at.desc())).all()
    return [(row[0], row[1]) for row in rows]


def safe_methods(report: Report, content: dict[str, Any]) -> list[str]:
    """The ways of contact the report marked safe (plus the referring worker, for an agency referral). None
    at all if the report would not open: a profile nobody can read marks nothing safe."""
    if not content:
        return []
    methods = [m for m in content.get("answers", {}).get("contact_methods", []) if m != "none"]
    if report.reporter_kind == "agency":
        methods.append("referrer")
    return methods


def record_contact(dbs: Session, report: Report, staff: StaffUser, content: dict[str, Any], *, method: str,
                   outcome: str, profile_checked: bool) -> ContactAttempt:
    """Log a contact attempt. Only a method marked safe, only after re-checking the profile. The first
    attempt, successful or not, stops the first-contact clock."""
    if method not in safe_methods(report, content):
        raise NotAllowed("method not marked safe")
    if not profile_checked:
        raise NotAllowed("profile not re-checked")
    if outcome not in OUTCOMES:
        raise NotAllowed("unknown outcome")
    now = _now()
    attempt = ContactAttempt(report_id=report.id, at=now, staff_id=staff.id, method=method, outcome=outcome,
                             profile_checked=True)
    dbs.add(attempt)
    if not report.contacted:
        report.contacted = True
        report.first_contact_at = now
    if report.status == "new":
        report.status = "in_contact" if outcome == "spoke" else "contact_attempted"
    elif report.status == "contact_attempted" and outcome == "spoke":
        report.status = "in_contact"
    note_contact_attempt(dbs, report.id)  # the reporter's page may say someone tried (never how or when)
    audit(dbs, staff, "case.contact_recorded", report, detail=f"{method}:{outcome}")
    dbs.commit()
    return attempt


def change_status(dbs: Session, report: Report, staff: StaffUser, status: str, reason: str | None = None) -> None:
    """Move a case along new → contact attempted → in contact → assessed → case open → closed (with a
    reason), or reopen a closed one. Staff may move back as well as forward: cases are not tidy."""
    if status not in STATUSES or status == report.status:
        raise NotAllowed("not a change")
    if status == "closed":
        if reason not in CLOSE_REASONS:
            raise NotAllowed("closing needs a reason")
        report.is_open, report.closed_at, report.close_reason = False, _now(), reason
    else:
        if report.status == "closed":
            audit(dbs, staff, "case.reopened", report)
        report.is_open, report.closed_at, report.close_reason = True, None, None
    audit(dbs, staff, "case.status_changed", report, detail=f"{report.status}->{status}"
          + (f" reason:{reason}" if status == "closed" else ""))
    report.status = status
    dbs.commit()


def mark_repeat(dbs: Session, report: Report, staff: StaffUser, repeat: bool) -> None:
    """Staff's answer to "has this person or household reported domestic abuse to us before?"."""
    if report.repeat is not repeat:
        report.repeat = repeat
        audit(dbs, staff, "case.repeat_marked", report, detail="yes" if repeat else "no")
    dbs.commit()


def add_entry(dbs: Session, report: Report, staff: StaffUser, kind: str, content: dict[str, Any], *,
              code: str = "", score: int | None = None, flag: bool = False, starts_on: date | None = None,
              ends_on: date | None = None) -> CaseEntry:
    """Seal and store a note, risk checklist, action or record of sharing."""
    if kind not in ENTRY_KINDS:
        raise NotAllowed("unknown entry kind")
    entry_id = str(uuid.uuid4())
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    entry = CaseEntry(id=entry_id, report_id=report.id, at=_now(), staff_id=staff.id, kind=kind, code=code,
                      score=score, flag=flag, starts_on=starts_on, ends_on=ends_on, key_id=sealer.key_id,
                      sealed=sealer.seal_json(content, kind, entry_id))
    dbs.add(entry)
    if kind == "risk" and report.status in {"new", "contact_attempted", "in_contact"}:
        audit(dbs, staff, "case.status_changed", report, detail=f"{report.status}->assessed")
        report.status = "assessed"
    audit(dbs, staff, f"case.{kind}_added", report, detail=code)
    dbs.commit()
    return entry


__all__ = ["CLOSE_REASONS", "CaseUnavailable", "NotAllowed", "OUTCOMES", "OpenedCase", "ReportNotStored",
           "STATUSES", "add_entry", "change_status", "contact_attempts", "mark_repeat", "open_case",
           "record_contact", "safe_methods"]
