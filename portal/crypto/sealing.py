"""Sealing: our small, versioned envelope around HPKE.

A sealed value is ``MAGIC | version (1 byte) | key id (8 bytes) | HPKE single-shot ciphertext``.
The HPKE ``info`` binds the ciphertext to what it is and whose it is (purpose, record id, key id), so a
sealed field cannot be moved to another report or another column and still open.

The public side holds only a `Sealer` (public key). Opening needs an `Opener` built from private keys,
which exist only on the triage side.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from portal.crypto.keys import PrivateKey, PublicKey

MAGIC = b"DAP"
VERSION = 1
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class SealingError(Exception):
    """A value could not be sealed (so it must not be stored as if it had been)."""


class CannotOpen(Exception):
    """A sealed value cannot be opened: unknown key, wrong context, or tampered."""


def _info(purpose: str, record_id: str, key_id: str) -> bytes:
    return f"portal/v{VERSION}/{purpose}/{record_id}/{key_id}".encode()


class Sealer:
    def __init__(self, public_key: PublicKey):
        self.public_key = public_key

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def seal(self, plaintext: bytes, purpose: str, record_id: str) -> bytes:
        try:
            body = _SUITE.encrypt(plaintext, self.public_key.key,
                                  info=_info(purpose, record_id, self.key_id))
        except Exception as exc:  # any failure must stop the caller storing anything
            raise SealingError("sealing failed") from exc
        return MAGIC + bytes([VERSION]) + bytes.fromhex(self.key_id) + body

    def seal_json(self, value: Any, purpose: str, record_id: str) -> bytes:
        return self.seal(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"),
                         purpose, record_id)


def key_id_of(sealed: bytes) -> str:
    if len(sealed) < 12 or sealed[:3] != MAGIC:
        raise CannotOpen("not a sealed value")
    if sealed[3] != VERSION:
        raise CannotOpen(f"unknown envelope version {sealed[3]}")
    return sealed[4:12].hex()


class Opener:
    def __init__(self, private_keys: dict[str, PrivateKey]):
        self.private_keys = private_keys

    def open(self, sealed: bytes, purpose: str, record_id: str) -> bytes:
        key_id = key_id_of(sealed)
        key = self.private_keys.get(key_id)
        if key is None:
            raise CannotOpen(f"no private key {key_id} here")
        try:
            return _SUITE.decrypt(sealed[12:], key.key, info=_info(purpose, record_id, key_id))
        except (InvalidTag, ValueError) as exc:
            raise CannotOpen("the sealed value does not open in this context") from exc

    def open_json(self, sealed: bytes, purpose: str, record_id: str) -> Any:
        return json.loads(self.open(sealed, purpose, record_id).decode("utf-8"))


@dataclass(frozen=True)
class Unopened:
    """A sealed value that would not open here. Shown as such where it belongs, so that one record never takes
    a whole page down with it."""

    key_id: str  # the key the envelope names ("" if the envelope itself is unreadable)
    missing_key: bool  # True: that private key is not on this host; False: damaged, or sealed for elsewhere


def try_open(opener: Opener, sealed: bytes, purpose: str, record_id: str) -> bytes | Unopened:
    """Open a value, or say why it would not open."""
    try:
        return opener.open(sealed, purpose, record_id)
    except CannotOpen:
        try:
            key_id = key_id_of(sealed)
        except CannotOpen:
            return Unopened("", missing_key=False)
        return Unopened(key_id, missing_key=key_id not in opener.private_keys)
