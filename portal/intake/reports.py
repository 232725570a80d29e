"""Taking a report: seal everything that could identify or describe anyone, then store it once."""
from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from portal.crypto.keys import KeyFileError, load_public
from portal.crypto.sealing import Opener, Sealer
from portal.intake.contact_plan import plan_for
from portal.store import spool
from portal.store.models import REPORT_PURPOSE, AuditEvent, Report, band_for
from portal.workdays.safe_windows import Window

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: easy to read aloud
REFERENCE = re.compile(f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")
PURPOSE = REPORT_PURPOSE
# How a disclosure can reach us: the website, or entered by staff from a call, a visit, a colleague or a
# contractor, the police, a MARAC or an IDVA, or another agency.
CHANNELS = ("web", "phone", "in_person", "colleague", "police", "marac", "idva", "other_agency")
_INSERT = insert(cast(Table, Report.__table__))  # Core, compiled once: the ORM's unit of work costs more than the rest


class ReportNotStored(Exception):
    """The report could not be stored; the person must be told and keep what they typed."""


class ReportNotFound(Exception):
    pass


@dataclass(frozen=True)
class Receipt:
    reference: str
    first_contact_due: datetime
    danger_now: bool
    no_contact: bool
    spooled: bool = False  # waiting in the spool for the database: the session cannot hold the receipt
    kind: str = "self"
    approach: str = "direct"
    due_basis: str = "target"  # "window": the due time is the end of a safe window they gave
    out_of_hours: bool = False  # the only safe times they gave are outside the team's working hours
    window_start: datetime | None = None  # basis "window", when first worked out: when that window opens
    window_whole_day: bool = False  # …and it is a whole day they said was safe

    def for_session(self) -> dict[str, Any]:
        """What the confirmation page needs, as the session keeps it (no report content)."""
        return {"reference": self.reference, "due": self.first_contact_due.isoformat(),
                "danger": self.danger_now, "no_contact": self.no_contact, "kind": self.kind,
                "approach": self.approach, "basis": self.due_basis, "out_of_hours": self.out_of_hours,
                "window_start": self.window_start.isoformat() if self.window_start else None,
                "window_whole_day": self.window_whole_day}


class ReceiptSession(Protocol):
    """The person's session, as `send` needs it: a mapping it can also write in the report's transaction."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def write_with(self, dbs: Session) -> None: ...


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def _idempotency_hash(submission_key: str) -> str:
    return hashlib.sha256(submission_key.encode("utf-8")).hexdigest()


_sealer_cache: dict[tuple[str, float], Sealer] = {}


def current_sealer() -> Sealer:
    """The sealer for the configured public key, re-read if the file changes (key rotation)."""
    path = Path(current_app.config["PUBLIC_KEY_FILE"])
    try:
        stamp = (str(path), path.stat().st_mtime)
    except OSError as exc:
        raise ReportNotStored("public key missing") from exc
    if stamp not in _sealer_cache:
        try:
            _sealer_cache.clear()
            _sealer_cache[stamp] = Sealer(load_public(path))
        except KeyFileError as exc:
            raise ReportNotStored("public key unreadable") from exc
    return _sealer_cache[stamp]


def _receipt(report: Report, spooled: bool = False, window: Window | None = None) -> Receipt:
    due = report.first_contact_due
    due = due if due.tzinfo else due.replace(tzinfo=timezone.utc)
    return Receipt(report.reference, due, report.danger_now, report.no_contact, spooled, report.reporter_kind,
                   report.approach, report.due_basis, report.out_of_hours, window.start if window else None,
                   bool(window and window.whole_day))


def _spool_dir() -> Path:
    return Path(current_app.config["SPOOL_DIR"])


def _to_spool(dbs: Session, report: Report) -> Receipt:
    """The database is unavailable: keep the sealed report on disk, durably, until it is back."""
    dbs.rollback()
    try:
        spooled = spool.write(_spool_dir(), report)
    except spool.SpoolUnavailable as exc:
        raise ReportNotStored("database and spool unavailable") from exc
    current_app.logger.warning("database unavailable: a report was spooled")
    return _receipt(spooled, spooled=True)


def submit(dbs: Session, *, kind: str, answers: dict[str, Any], flags: dict[str, bool],
           contact_language: str, submission_key: str, now: datetime | None = None,
           with_receipt: Callable[[Session, Receipt], None] | None = None, channel: str = "web",
           taken_by: int | None = None, restricted: str = "", equality: dict[str, str] | None = None) -> Receipt:
    """Seal and store one report. Idempotent on `submission_key`: the same key gives the same receipt,
    whether the first try reached the database or the spool. `with_receipt` runs in the report's own
    transaction when it is new (the public view stores the person's receipt there: one commit for both).
    Staff entering a disclosure give its `channel` and themselves as `taken_by`; `restricted` ("leads") keeps
    it from all but the leads until a lead decides who may see it. `equality` holds the equality monitoring answers
    of a form that asks them (None for one that does not): sealed with the report, apart from its answers, until the
    triage side counts and removes them (portal/casework/equality.py)."""
    if channel not in CHANNELS or restricted not in ("", "leads", "named"):
        raise ValueError("unknown channel or restriction")
    key_hash = _idempotency_hash(submission_key)
    # No lookup first: the unique index finds a repeat (below), so a first send costs one statement.
    waiting = spool.find(_spool_dir(), key_hash)
    if waiting is not None:  # the first tap went to the spool: the same report, the same receipt
        try:
            replay_spool(dbs)
            database_up = dbs.scalar(select(Report.id).where(Report.idempotency_hash == key_hash)) is not None
        except SQLAlchemyError:
            dbs.rollback()
            database_up = False
        return _receipt(waiting, spooled=not database_up)
    config = current_app.config
    received = now or datetime.now(timezone.utc)
    report_id = str(uuid.uuid4())
    sealer = current_sealer()
    try:
        document = {"kind": kind, "answers": answers, **({"equality": equality} if equality is not None else {})}
        sealed = sealer.seal_json(document, PURPOSE, report_id)
    except Exception as exc:
        raise ReportNotStored("sealing failed") from exc
    plan = plan_for(kind, answers, received, nation=config["NATION"], cutoff=config["SAME_DAY_CUTOFF"],
                    tz=config["TIMEZONE"])
    risk_level = arriving_risk_level(kind, answers, config["DASH_MARAC_THRESHOLD"])
    children = flags["children"] or flags.get("under_16", False)
    report = Report(
        id=report_id, reference=new_reference(), received_at=received, first_contact_due=plan.due.at,
        target_due=plan.due.target, due_basis=plan.due.basis, out_of_hours=plan.due.out_of_hours,
        clock=plan.clock, approach=plan.approach, reporter_kind=kind, danger_now=flags["danger_now"],
        children=children, no_contact=plan.no_contact, contact_language=contact_language, status="new",
        is_open=True, band=band_for(flags["danger_now"], children, high_risk=risk_level == "high"), contacted=False,
        under_16=flags.get("under_16", False), adult_at_risk=flags.get("adult_at_risk", False), risk_level=risk_level,
        idempotency_hash=key_hash, key_id=sealer.key_id, sealed=sealed, channel=channel, taken_by=taken_by,
        restricted=restricted, next_due=plan.due.at, equality_pending=equality is not None,
        staff_sex=answers.get("staff_sex") if answers.get("staff_sex") in ("woman", "man") else "")
    window = plan.due.window
    for _attempt in range(5):
        try:
            dbs.execute(_INSERT, spool.columns(report))
            if with_receipt is not None:
                with_receipt(dbs, _receipt(report, window=window))
            dbs.commit()
        except IntegrityError:
            dbs.rollback()
            try:
                existing = dbs.scalar(select(Report).where(Report.idempotency_hash == key_hash))
            except SQLAlchemyError:
                return _to_spool(dbs, report)
            if existing is not None:  # a concurrent double tap got there first
                return _receipt(existing)
            report.reference = new_reference()  # the rare reference collision: draw again
        except SQLAlchemyError:
            # Unreachable, read-only, disk full, locked for too long: the spool keeps it instead.
            return _to_spool(dbs, report)
        except Exception as exc:  # anything else is a fault of ours: not stored, and the person is told
            dbs.rollback()
            raise ReportNotStored("unexpected error") from exc
        else:
            replay_spool(dbs)  # the database is back: earlier reports go in now
            return _receipt(report, window=window)
    raise ReportNotStored("could not allocate a reference")


def arriving_risk_level(kind: str, answers: dict[str, Any], threshold: int) -> str:
    """The risk level a report arrives with: a referring agency's DASH score ("high" at or over the MARAC
    threshold). The triage side records it as that agency's assessment (portal/casework/risk.py)."""
    score = answers.get("dash_score")
    if kind != "agency" or answers.get("dash_done") != "yes" or not isinstance(score, int):
        return ""
    return "high" if score >= threshold else "standard"


def send(dbs: Session, session: ReceiptSession, *, kind: str, answers: dict[str, Any], flags: dict[str, bool],
         contact_language: str, submission_key: str, restricted: str = "",
         equality: dict[str, str] | None = None) -> Receipt:
    """Take a report from the public form and keep its receipt in the person's session for the confirmation
    page. A new report and the session row are committed together (one commit); a repeat (a double tap, a
    retry) finds the first report and keeps its receipt instead. A spooled report's receipt cannot go into a
    session (the database is down): the caller shows it at once."""
    # A neighbour's "do not contact me" is about the neighbour: the report's own flag (about the person at
    # risk) stays off, but the page the neighbour reads must not promise to contact them.
    declined = kind == "concerned" and "none" in (answers.get("contact_methods") or [])

    def for_reader(receipt: Receipt) -> Receipt:
        return replace(receipt, no_contact=True) if declined else receipt

    def keep(transaction: Session, receipt: Receipt) -> None:
        session["receipt"] = for_reader(receipt).for_session()
        session.write_with(transaction)

    receipt = for_reader(submit(dbs, kind=kind, answers=answers, flags=flags, contact_language=contact_language,
                                submission_key=submission_key, with_receipt=keep, restricted=restricted,
                                equality=equality))
    if not receipt.spooled and session.get("receipt") != receipt.for_session():
        session["receipt"] = receipt.for_session()  # a repeat: saved with the response
    return receipt


def replay_spool(dbs: Session) -> spool.ReplayResult:
    """Move spooled reports into the database now, unless another worker is already doing it. A few per
    request, so that one person's confirmation never waits long; the worker's thread does the rest."""
    if not spool.waiting(_spool_dir()):
        return spool.ReplayResult()
    try:
        return spool.replay(current_app.extensions["sessionmaker"], _spool_dir(), block=False, limit=20)
    except Exception as exc:  # never let a replay problem turn this person's stored report into an error
        current_app.logger.error("spool replay failed (%s)", type(exc).__name__)
        return spool.ReplayResult(left=len(spool.waiting(_spool_dir())))


def find_by_reference(dbs: Session, reference: str) -> Report | None:
    """The report with this reference (as typed: spaces, case and a missing hyphen do not matter). Anything not
    shaped like a reference finds nothing without asking the database (a NUL, say, which PostgreSQL would refuse)."""
    wanted = re.sub(r"\s+", "", reference).upper()
    if len(wanted) == 8:  # read out or typed without its hyphen
        wanted = f"{wanted[:4]}-{wanted[4:]}"
    if not REFERENCE.fullmatch(wanted):
        return None
    return dbs.scalar(select(Report).where(Report.reference == wanted))


def open_report(dbs: Session, opener: Opener, reference: str, actor: str) -> tuple[Report, dict[str, Any]]:
    """Decrypt one report for one use, and record that `actor` did."""
    report = find_by_reference(dbs, reference)
    if report is None:
        raise ReportNotFound(reference)
    # Recorded before the attempt, so that even a failed opening leaves its trace.
    dbs.add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action="report.opened",
                       report_id=report.id, detail="cli"))
    dbs.commit()
    return report, opener.open_json(report.sealed, PURPOSE, report.id)
