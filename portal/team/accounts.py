"""Staff accounts: Argon2id password hashes, mandatory TOTP, roles.

TOTP secrets are stored encrypted (AES-256-GCM under a key derived from PORTAL_SECRET_KEY), so a copy of
the database alone gives neither passwords (Argon2id) nor second factors. Changing PORTAL_SECRET_KEY
therefore means every member of staff enrols again (`portal staff reset-code EMAIL`).
"""
from __future__ import annotations

import base64
import hmac
import os
import time
from datetime import datetime, timezone

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.store.db import changed
from portal.store.models import StaffUser

ROLES = ("officer", "lead", "auditor")
MIN_PASSWORD_LENGTH = 12
TOTP_STEP = 30
_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
# Verified when the e-mail address is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class AccountError(Exception):
    """A named failure the views turn into a message."""


class BadCredentials(AccountError):
    pass


class BadCode(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class DuplicateEmail(AccountError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _totp_key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/totp-secret").derive(
        secret_key.encode("utf-8"))


def _encrypt_secret(secret: str, secret_key: str, staff_email: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_totp_key(secret_key)).encrypt(nonce, secret.encode("ascii"), staff_email.encode("utf-8"))
    return "v1:" + base64.b64encode(nonce + sealed).decode("ascii")


def totp_secret(staff: StaffUser, secret_key: str) -> str:
    raw = base64.b64decode(staff.totp_secret.removeprefix("v1:"))
    return AESGCM(_totp_key(secret_key)).decrypt(raw[:12], raw[12:], staff.email.encode("utf-8")).decode("ascii")


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise WeakPassword(MIN_PASSWORD_LENGTH)


def create_staff(dbs: Session, *, email: str, role: str, password: str, secret_key: str, name: str = "",
                 language: str = "en") -> tuple[StaffUser, str]:
    """Make an account; returns it and its new TOTP secret (to show once, for enrolment)."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("enter an e-mail address")
    if dbs.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.email == email)):
        raise DuplicateEmail(email)
    secret = pyotp.random_base32()
    staff = StaffUser(email=email, name=name.strip(), role=role, language=language,
                      password_hash=_hasher.hash(password), totp_secret=_encrypt_secret(secret, secret_key, email),
                      totp_enrolled=False, totp_last_step=0, active=True, session_epoch=0,
                      created_at=datetime.now(timezone.utc))
    dbs.add(staff)
    dbs.commit()
    return staff, secret


def check_password(dbs: Session, email: str, password: str) -> StaffUser:
    """The active account with this e-mail and password, or BadCredentials (never saying which was wrong)."""
    staff = dbs.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError) as exc:
        raise BadCredentials() from exc
    if staff is None or not staff.active:
        raise BadCredentials()
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
        dbs.commit()
    return staff


def set_password(dbs: Session, staff: StaffUser, password: str) -> None:
    check_password_strength(password)
    staff.password_hash = _hasher.hash(password)
    staff.session_epoch += 1  # every other session of this account ends
    dbs.commit()


def check_code(dbs: Session, staff: StaffUser, code: str, secret_key: str, now: float | None = None) -> None:
    """Accept a TOTP code once: the current step or one either side (clock drift), never a step already used."""
    # ASCII digits only: str.isdigit() also accepts Arabic-Indic and other digits, which compare_digest
    # cannot compare with a str of ASCII digits (it raises rather than saying "no").
    digits = "".join(ch for ch in (code or "") if ch in "0123456789")
    if len(digits) != 6:
        raise BadCode()
    totp = pyotp.TOTP(totp_secret(staff, secret_key), interval=TOTP_STEP)
    step = int((now if now is not None else time.time()) // TOTP_STEP)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), digits):
            # One conditional UPDATE, so that two requests racing with the same code cannot both win.
            result = dbs.execute(update(StaffUser)
                                 .where(StaffUser.id == staff.id, StaffUser.totp_last_step < candidate)
                                 .values(totp_last_step=candidate, totp_enrolled=True))
            dbs.commit()
            if changed(result) != 1:
                raise BadCode()  # replayed
            dbs.refresh(staff)
            return
    raise BadCode()


def reset_code(dbs: Session, staff: StaffUser, secret_key: str) -> str:
    """A new TOTP secret; the person enrols again at their next sign-in. Their sessions end."""
    secret = pyotp.random_base32()
    staff.totp_secret = _encrypt_secret(secret, secret_key, staff.email)
    staff.totp_enrolled = False
    staff.totp_last_step = 0
    staff.session_epoch += 1
    dbs.commit()
    return secret


def enrolment(staff: StaffUser, secret_key: str, issuer: str) -> tuple[str, str]:
    """The secret (grouped for typing) and a QR code of the otpauth URI as an SVG data URI, made here."""
    secret = totp_secret(staff, secret_key)
    uri = pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(name=staff.email, issuer_name=issuer)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), qr


class OwnAuthorisation(Exception):
    """A lead may not give or take away their own permission to authorise action against a perpetrator."""


def set_can_authorise(dbs: Session, lead: StaffUser, person: StaffUser, on: bool) -> bool:
    """Give or take away `person`'s permission to authorise action against a perpetrator (MHA 8.4: the Director of
    Housing and Communities or the Head of Neighbourhoods). Another lead does it, never the person themselves.
    Returns whether anything changed (the caller audits and commits)."""
    if person.id == lead.id:
        raise OwnAuthorisation("own permission")
    if person.can_authorise is bool(on):
        return False
    person.can_authorise = bool(on)
    return True
