"""A reporter's way back: an optional receipt, a status they can safely read, and messages both ways.

**The receipt** is 16 random digits (about 53 bits), shaped like a phone number so it can hide in a contacts
list. Nothing stored derives it: Argon2id (memory-hard) turns the digits into 64 bytes, salted with a
secret the database does not hold (`PORTAL_RECEIPT_PEPPER`, else the secret key). The first half, hashed,
is the conversation's `lookup`; the second half seeds the reporter's own HPKE key pair, of which only the
public half is stored. So the database alone cannot test a guess, find a receipt or open a reply; and even
with the pepper, every guess costs a 19 MiB Argon2id computation.

**Messages** are sealed twice, with our HPKE envelope (portal/sealing.py):
- to the team's key, like the report (purpose ``message``): the case record, which only the triage side
  opens;
- to the reporter's receipt key (purpose ``message-reporter``): what the reporter reads back. Only the
  receipt re-creates the private key, so the team's replies are safe from anyone holding the database.

**While signed in** the reporter's 32-byte seed lives in their server-side session, wrapped with AES-GCM
under a key derived from the session id, which only the cookie holds (the database keeps its SHA-256). The
session row alone opens nothing.

**Deleting** erases the lookup, the reporter's public key and every reporter-side copy: the receipt then
opens nothing, and a guess finds nothing. The team's sealed copies stay in the case record, as the reporter
is told before they choose.

The reporter's status is one of four words chosen to be safe if someone else reads the page: received,
being looked at, someone has tried to contact you, closed. Never how, when or by whom.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from portal.crypto.keys import PrivateKey, PublicKey, keypair_from_secret, public_from_raw
from portal.crypto.sealing import CannotOpen, Opener, Sealer, Unopened, try_open
from portal.intake.reports import ReportNotStored, current_sealer
from portal.store.complaint_models import Complaint
from portal.store.models import (
    MESSAGE_PURPOSE,
    AuditEvent,
    ContactAttempt,
    ContactProfile,
    Conversation,
    Message,
    Report,
    StaffUser,
)

RECEIPT_DIGITS = 16
# OWASP's first recommended Argon2id setting (19 MiB, 2 passes, 1 lane): about 50 ms on one core here, so
# each guess costs the guesser (and our server) that much, and no GPU shortcut is cheap.
ARGON2: dict[str, Any] = {"iterations": 2, "lanes": 1, "memory_cost": 19 * 1024}
TEAM_PURPOSE = MESSAGE_PURPOSE
REPORTER_PURPOSE = "message-reporter"
MAX_MESSAGE = 20_000
STATUSES = ("received", "looking", "tried", "closed")
LANGUAGES = ("en", "cy")


class AlreadyHasReceipt(Exception):
    """This report already has a conversation; its receipt cannot be shown again (we never kept it)."""


class MessageNotStored(Exception):
    """The message could not be sealed or stored: the person keeps what they wrote and is told."""


class NoConversation(Exception):
    """There is no open conversation for this report (none was made, or the reporter deleted it)."""


# --- the receipt -------------------------------------------------------------------------------------------

def new_receipt() -> str:
    return f"{secrets.randbelow(10 ** RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def grouped(digits: str) -> str:
    """1234 5678 9012 3456: easy to read back and to type."""
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


_SEPARATORS = re.compile(r"[\s\-.()+/]")


def normalise(text: str | None) -> str | None:
    """The 16 digits of a receipt as typed (spaces, dashes and dots ignored), or None if it is not one."""
    digits = _SEPARATORS.sub("", text or "")
    return digits if re.fullmatch(rf"[0-9]{{{RECEIPT_DIGITS}}}", digits) else None


@dataclass(frozen=True)
class ReceiptKeys:
    lookup: str  # hex SHA-256 of the first half of the Argon2id output
    seed: bytes  # the second half: re-creates the reporter's key pair


def pepper(config: Mapping[str, Any]) -> bytes:
    return (config.get("RECEIPT_PEPPER") or config["SECRET_KEY"]).encode("utf-8")


def derive(digits: str, secret_pepper: bytes) -> ReceiptKeys:
    """The slow, memory-hard step: everything the receipt unlocks comes from here, and nothing else."""
    salt = hmac.new(secret_pepper, b"portal receipt salt v1", hashlib.sha256).digest()[:16]
    out = Argon2id(salt=salt, length=64, **ARGON2).derive(digits.encode("ascii"))
    return ReceiptKeys(lookup=hashlib.sha256(b"portal receipt lookup v1" + out[:32]).hexdigest(), seed=out[32:])


def key_pair(seed: bytes) -> tuple[PublicKey, PrivateKey]:
    """The reporter's HPKE key pair (ML-KEM-768 + X25519), re-made from the seed: cheap, per request."""
    secret = HKDF(algorithm=hashes.SHA256(), length=96, salt=None,
                  info=b"portal receipt key pair v1").derive(seed)
    return keypair_from_secret(secret)


# --- the seed in the session, under the cookie's session id --------------------------------------------

def _session_key(session_id: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"portal conversation session v1 " + purpose).derive(session_id.encode("ascii"))


def wrap(session_id: str, conversation_id: str, value: bytes, purpose: str = "seed") -> str:
    nonce = os.urandom(12)
    body = AESGCM(_session_key(session_id, purpose.encode())).encrypt(nonce, value, conversation_id.encode())
    return base64.b64encode(nonce + body).decode("ascii")


def unwrap(session_id: str, conversation_id: str, wrapped: str, purpose: str = "seed") -> bytes | None:
    try:
        raw = base64.b64decode(wrapped.encode("ascii"), validate=True)
        return AESGCM(_session_key(session_id, purpose.encode())).decrypt(raw[:12], raw[12:],
                                                                        conversation_id.encode())
    except (InvalidTag, ValueError, TypeError):
        return None


# --- opening and finding ----------------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(timezone.utc)


def for_report(dbs: Session, report_id: str) -> Conversation | None:
    return dbs.scalar(select(Conversation).where(Conversation.report_id == report_id))


def start(dbs: Session, report: Report, secret_pepper: bytes, now: datetime | None = None) -> tuple[str, Conversation,
                                                                                                    bytes]:
    """Make the receipt and its conversation for a report. Returns the digits (shown once, never stored),
    the conversation and the seed. One conversation per report."""
    if for_report(dbs, report.id) is not None:
        raise AlreadyHasReceipt(report.id)
    for _attempt in range(3):
        digits = new_receipt()
        keys = derive(digits, secret_pepper)
        public, _private = key_pair(keys.seed)
        conversation = Conversation(id=str(uuid.uuid4()), report_id=report.id, lookup=keys.lookup,
                                    public_key=public.raw, created_at=now or _now(), contact_tried=False)
        dbs.add(conversation)
        try:
            dbs.commit()
        except IntegrityError:
            dbs.rollback()
            if for_report(dbs, report.id) is not None:  # a double tap got there first
                raise AlreadyHasReceipt(report.id) from None
            continue  # two receipts with one lookup: about 1 in 10^16 per pair, but draw again
        return digits, conversation, keys.seed
    raise MessageNotStored("could not make a receipt")


def find(dbs: Session, digits: str, secret_pepper: bytes) -> tuple[Conversation, bytes] | None:
    """The open conversation for a receipt, or None. The Argon2id step runs whatever the answer, so a
    receipt that exists and one that does not take the same time."""
    keys = derive(digits, secret_pepper)
    conversation = dbs.scalar(select(Conversation).where(Conversation.lookup == keys.lookup,
                                                         Conversation.deleted_at.is_(None)))
    if conversation is None or conversation.public_key is None:
        return None
    return conversation, keys.seed


def seed_matches(conversation: Conversation, seed: bytes) -> bool:
    public, _private = key_pair(seed)
    return conversation.public_key is not None and hmac.compare_digest(public.raw, conversation.public_key)


# --- what the reporter sees --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    id: str
    at: datetime
    from_reporter: bool
    text: str
    language: str
    new: bool = False  # from the team, not seen by the reporter before this page
    staff_name: str = ""
    seen: bool = False
    unopened: Unopened | None = None  # the team's copy would not open here: shown as such, text is ""


def reporter_status(report: Report, conversation: Conversation) -> str:
    """What the reporter may safely read about their report: one of STATUSES."""
    if not report.is_open:
        return "closed"
    if conversation.contact_tried and report.status in {"new", "contact_attempted"}:
        return "tried"
    if report.status == "new" and report.owner_id is None:
        return "received"
    return "looking"


def reporter_messages(dbs: Session, conversation: Conversation, seed: bytes) -> list[Shown]:
    """The conversation as the reporter reads it, oldest first; the team's new replies become seen."""
    _public, private = key_pair(seed)
    opener = Opener({private.key_id: private})
    rows = list(dbs.scalars(select(Message).where(Message.conversation_id == conversation.id,
                                                  Message.reporter_sealed.is_not(None))
                            .order_by(Message.at, Message.id)))
    shown = []
    for row in rows:
        try:
            text = opener.open(row.reporter_sealed or b"", REPORTER_PURPOSE, row.id).decode("utf-8")
        except CannotOpen:
            continue  # cannot happen with the right seed; never show a broken message as if it were one
        shown.append(Shown(row.id, row.at, row.from_reporter, text, row.language,
                           new=not row.from_reporter and not row.seen))
    if any(item.new for item in shown):
        # When they read it is when a reply reaches them: the triage side counts it on the clock.
        dbs.execute(update(Message).where(Message.conversation_id == conversation.id,
                                          Message.from_reporter.is_(False), Message.seen.is_(False))
                    .values(seen=True, seen_at=_now()))
        dbs.commit()
    return shown


def _idempotency_hash(submission_key: str) -> str:
    return hashlib.sha256(b"message:" + submission_key.encode("utf-8")).hexdigest()


def _seal_both(message_id: str, text: str, reporter_key: bytes) -> tuple[str, bytes, bytes]:
    try:
        team = current_sealer()
        reporter = Sealer(public_from_raw(reporter_key))
        body = text.encode("utf-8")
        return team.key_id, team.seal(body, TEAM_PURPOSE, message_id), reporter.seal(body, REPORTER_PURPOSE, message_id)
    except (ReportNotStored, ValueError) as exc:
        raise MessageNotStored("sealing failed") from exc
    except Exception as exc:  # any sealing failure: nothing is stored as if it had been sealed
        raise MessageNotStored("sealing failed") from exc


def send_from_reporter(dbs: Session, conversation: Conversation, text: str, language: str, submission_key: str,
                       now: datetime | None = None) -> Message:
    """Store a message from the reporter, sealed to the team and to the reporter. A double tap (the same
    submission key) stores it once."""
    if conversation.public_key is None or conversation.deleted_at is not None:
        raise NoConversation(conversation.id)
    key_hash = _idempotency_hash(submission_key)
    message_id = str(uuid.uuid4())
    key_id, sealed, reporter_sealed = _seal_both(message_id, text, conversation.public_key)
    message = Message(id=message_id, conversation_id=conversation.id, report_id=conversation.report_id,
                      at=now or _now(), from_reporter=True, staff_id=None,
                      language=language if language in LANGUAGES else "en", seen=False, announced=False,
                      idempotency_hash=key_hash, key_id=key_id, sealed=sealed, reporter_sealed=reporter_sealed)
    dbs.add(message)
    try:
        dbs.commit()
    except IntegrityError:
        dbs.rollback()
        existing = dbs.scalar(select(Message).where(Message.idempotency_hash == key_hash))
        if existing is None:
            raise MessageNotStored("not stored") from None
        return existing
    except SQLAlchemyError as exc:
        dbs.rollback()
        raise MessageNotStored("database unavailable") from exc
    return message


def delete(dbs: Session, conversation: Conversation, now: datetime | None = None) -> None:
    """The reporter ends the conversation: the receipt opens nothing from now on, and every copy sealed to
    it (messages, profiles, complaints) is erased. The team's sealed copies stay in the case record."""
    dbs.execute(update(Message).where(Message.conversation_id == conversation.id).values(reporter_sealed=None))
    for table in (ContactProfile, Complaint):  # their own copies of their profile and their complaints
        dbs.execute(update(table).where(table.report_id == conversation.report_id).values(reporter_sealed=None))
    conversation.lookup = None
    conversation.public_key = None
    conversation.deleted_at = now or _now()
    dbs.commit()


# --- the team's side ---------------------------------------------------------------------------------------

@dataclass
class TeamView:
    conversation: Conversation
    messages: list[Shown]


def team_view(dbs: Session, report: Report, opener: Opener, mark_seen: bool) -> TeamView | None:
    """The whole conversation for the case page, oldest first. A caseworker's view marks the reporter's
    messages as seen (which clears the queue's flag). A message that will not open is shown as such; the
    others are not affected. The caller audits the opening first (portal/cases.py `open_case`)."""
    conversation = for_report(dbs, report.id)
    if conversation is None:
        return None
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    rows = list(dbs.scalars(select(Message).where(Message.report_id == report.id).order_by(Message.at, Message.id)))
    messages = []
    for row in rows:
        opened = try_open(opener, row.sealed, TEAM_PURPOSE, row.id)
        messages.append(Shown(row.id, row.at, row.from_reporter, opened.decode("utf-8") if isinstance(opened, bytes)
                              else "", row.language, new=row.from_reporter and not row.seen,
                              staff_name=names.get(row.staff_id or 0, ""), seen=row.seen,
                              unopened=opened if isinstance(opened, Unopened) else None))
    if mark_seen and any(m.new for m in messages):
        dbs.execute(update(Message).where(Message.report_id == report.id, Message.from_reporter.is_(True),
                                          Message.seen.is_(False)).values(seen=True))
        dbs.commit()
    return TeamView(conversation, messages)


def reply(dbs: Session, report: Report, staff: StaffUser, text: str, language: str,
          now: datetime | None = None) -> Message:
    """A reply from the team, sealed to the team and to the reporter's receipt key. It is a contact attempt
    in the way the reporter chose, with whoever holds the receipt (the person at risk on their own report,
    the reporter otherwise); it counts as reaching them only once they have read it (see `reporter_messages`
    and portal/casework/pending.py)."""
    conversation = for_report(dbs, report.id)
    if conversation is None or conversation.public_key is None or conversation.deleted_at is not None:
        raise NoConversation(report.id)
    moment = now or _now()
    message_id = str(uuid.uuid4())
    key_id, sealed, reporter_sealed = _seal_both(message_id, text, conversation.public_key)
    dbs.add(Message(id=message_id, conversation_id=conversation.id, report_id=report.id, at=moment,
                    from_reporter=False, staff_id=staff.id, language=language if language in LANGUAGES else "en",
                    seen=False, announced=True, idempotency_hash=None, key_id=key_id, sealed=sealed,
                    reporter_sealed=reporter_sealed))
    dbs.add(ContactAttempt(report_id=report.id, at=moment, staff_id=staff.id, method="message",
                           outcome="message_sent", profile_checked=True, reached=False,
                           party="person" if report.reporter_kind == "self" else "reporter"))
    if report.status == "new":
        dbs.add(AuditEvent(at=moment, actor=f"staff:{staff.id}", action="case.status_changed",
                           report_id=report.id, detail="new->contact_attempted"))
        report.status = "contact_attempted"
    dbs.add(AuditEvent(at=moment, actor=f"staff:{staff.id}", action="case.message_sent", report_id=report.id,
                       detail=language))
    dbs.commit()
    return dbs.get(Message, message_id)  # type: ignore[return-value]


def note_contact_attempt(dbs: Session, report_id: str) -> None:
    """A contact attempt was recorded: the reporter's page may now say someone has tried to contact them.
    (Part of the caller's transaction.)"""
    dbs.execute(update(Conversation).where(Conversation.report_id == report_id).values(contact_tried=True))


def waiting_among(dbs: Session, report_ids: list[str]) -> set[str]:
    """Which of these reports have messages from the reporter that no caseworker has seen yet."""
    if not report_ids:
        return set()
    return set(dbs.scalars(select(Message.report_id).where(Message.from_reporter.is_(True), Message.seen.is_(False),
                                                           Message.report_id.in_(report_ids)).distinct()))


def waiting_count(dbs: Session) -> int:
    """How many reports have unseen messages from their reporters (open or closed)."""
    return dbs.scalar(select(func.count(func.distinct(Message.report_id)))
                      .where(Message.from_reporter.is_(True), Message.seen.is_(False))) or 0


def waiting_reports_query() -> Any:
    return select(Message.report_id).where(Message.from_reporter.is_(True), Message.seen.is_(False))
