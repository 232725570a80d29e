"""Key pairs for sealing reports, and their files.

The suite is HPKE (RFC 9180) with the hybrid post-quantum KEM ML-KEM-768 + X25519, HKDF-SHA256 and
AES-256-GCM: reports are kept for years, so they must resist "harvest now, decrypt later".

Files (JSON, so an operator can see what they hold):
- ``<key_id>.public.json``: the public key. This is all an internet-facing host ever has.
- ``<key_id>.private.json``: the private key (ML-KEM seed and X25519 scalar), wrapped with AES-256-GCM
  under a key derived from a passphrase with Argon2id. We do not use PKCS#8 BestAvailableEncryption,
  which spends only 2,048 PBKDF2 rounds on the passphrase.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

SUITE_NAME = "HPKE/MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
PUBLIC_FORMAT = "portal-public-key"
PRIVATE_FORMAT = "portal-private-key"
# Argon2id cost for wrapping the private key: RFC 9106's second recommended option (64 MiB, 3 passes).
ARGON2_PARAMS: dict[str, Any] = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}


class KeyFileError(Exception):
    """A key file is missing, unreadable, or of the wrong kind."""


class WrongPassphrase(KeyFileError):
    """The passphrase does not unwrap the private key."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    key: hpke.MLKEM768X25519PublicKey
    raw: bytes  # ML-KEM encapsulation key followed by the X25519 public key


@dataclass(frozen=True)
class PrivateKey:
    key_id: str
    key: hpke.MLKEM768X25519PrivateKey


def _public_raw(mlkem_pub: mlkem.MLKEM768PublicKey, x_pub: x25519.X25519PublicKey) -> bytes:
    return mlkem_pub.public_bytes_raw() + x_pub.public_bytes_raw()


def key_id_for(raw_public: bytes) -> str:
    """A short, stable name for a key pair: the start of the SHA-256 of its public key."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


def generate() -> tuple[PublicKey, bytes]:
    """Make a new key pair. Returns the public key and the private key's secret bytes (seed + scalar)."""
    m = mlkem.MLKEM768PrivateKey.generate()
    x = x25519.X25519PrivateKey.generate()
    raw = _public_raw(m.public_key(), x.public_key())
    kid = key_id_for(raw)
    pub = PublicKey(kid, hpke.MLKEM768X25519PublicKey(m.public_key(), x.public_key()), raw)
    return pub, m.private_bytes_raw() + x.private_bytes_raw()


def _private_from_secret(secret: bytes) -> hpke.MLKEM768X25519PrivateKey:
    m = mlkem.MLKEM768PrivateKey.from_seed_bytes(secret[:64])
    x = x25519.X25519PrivateKey.from_private_bytes(secret[64:96])
    return hpke.MLKEM768X25519PrivateKey(m, x)


def keypair_from_secret(secret: bytes) -> tuple[PublicKey, PrivateKey]:
    """A key pair made deterministically from 96 secret bytes (a reporter's receipt, through Argon2id)."""
    private = _private_from_secret(secret)
    m = mlkem.MLKEM768PrivateKey.from_seed_bytes(secret[:64])
    x = x25519.X25519PrivateKey.from_private_bytes(secret[64:96])
    raw = _public_raw(m.public_key(), x.public_key())
    kid = key_id_for(raw)
    return PublicKey(kid, hpke.MLKEM768X25519PublicKey(m.public_key(), x.public_key()), raw), PrivateKey(kid, private)


def public_from_raw(raw: bytes) -> PublicKey:
    """A public key from its raw bytes (ML-KEM encapsulation key, then X25519), as stored for a reporter."""
    m = mlkem.MLKEM768PublicKey.from_public_bytes(raw[:1184])
    x = x25519.X25519PublicKey.from_public_bytes(raw[1184:])
    return PublicKey(key_id_for(raw), hpke.MLKEM768X25519PublicKey(m, x), raw)


def public_document(pub: PublicKey) -> dict[str, object]:
    return {"format": PUBLIC_FORMAT, "version": 1, "suite": SUITE_NAME, "key_id": pub.key_id,
            "public_key": _b64(pub.raw)}


def wrap_private(key_id: str, secret: bytes, passphrase: str, format_name: str = PRIVATE_FORMAT,
                 suite: str = SUITE_NAME) -> dict[str, object]:
    """Wrap a secret (a private key's bytes, or another key the triage side keeps) under the passphrase
    (Argon2id + AES-256-GCM)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf = Argon2id(salt=salt, length=32, **ARGON2_PARAMS)
    wrapping_key = kdf.derive(passphrase.encode("utf-8"))
    header = {"format": format_name, "version": 1, "suite": suite, "key_id": key_id,
              "kdf": {"name": "argon2id", "salt": _b64(salt), **ARGON2_PARAMS},
              "aead": {"name": "AES-256-GCM", "nonce": _b64(nonce)}}
    aad = json.dumps(header, sort_keys=True).encode("utf-8")  # the parameters cannot be swapped
    header["ciphertext"] = _b64(AESGCM(wrapping_key).encrypt(nonce, secret, aad))
    return header


def unwrap_private(document: dict[str, object], passphrase: str) -> PrivateKey:
    secret = unwrap_secret(document, passphrase, PRIVATE_FORMAT)
    return PrivateKey(str(document["key_id"]), _private_from_secret(secret))


def unwrap_secret(document: dict[str, object], passphrase: str, format_name: str) -> bytes:
    """The secret bytes of a wrapped key file of the given format."""
    if document.get("format") != format_name or document.get("version") != 1:
        raise KeyFileError(f"not a {format_name} file")
    header = {k: v for k, v in document.items() if k != "ciphertext"}
    kdf_params: dict[str, Any] = dict(header["kdf"])  # type: ignore[call-overload]
    salt = _unb64(kdf_params.pop("salt"))
    kdf_params.pop("name")
    wrapping_key = Argon2id(salt=salt, length=32, **kdf_params).derive(passphrase.encode("utf-8"))
    aad = json.dumps(header, sort_keys=True).encode("utf-8")
    nonce = _unb64(header["aead"]["nonce"])  # type: ignore[index]
    try:
        return AESGCM(wrapping_key).decrypt(nonce, _unb64(str(document["ciphertext"])), aad)
    except InvalidTag as exc:
        raise WrongPassphrase("the passphrase does not open this private key") from exc


def load_public(path: Path) -> PublicKey:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != PUBLIC_FORMAT or document.get("version") != 1:
            raise KeyFileError("not a portal public key file")
        raw = _unb64(document["public_key"])
        m = mlkem.MLKEM768PublicKey.from_public_bytes(raw[:1184])
        x = x25519.X25519PublicKey.from_public_bytes(raw[1184:])
    except KeyFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"cannot read the public key at {path}") from exc
    if key_id_for(raw) != document.get("key_id"):
        raise KeyFileError("the public key file's key id does not match its key")
    return PublicKey(document["key_id"], hpke.MLKEM768X25519PublicKey(m, x), raw)


def load_private_keys(directory: Path, passphrase: str) -> dict[str, PrivateKey]:
    """Every wrapped private key in a directory, by key id."""
    keys: dict[str, PrivateKey] = {}
    for path in sorted(directory.glob("*.private.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KeyFileError(f"cannot read {path.name}") from exc
        key = unwrap_private(document, passphrase)
        keys[key.key_id] = key
    return keys


def write_key_file(path: Path, document: dict[str, object], mode: int) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new key directory is the owner's alone
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_key_pair(directory: Path, passphrase: str, make_current: bool = True) -> PublicKey:
    """Generate a key pair into `directory`; the new public key also becomes `current.public.json`."""
    pub, secret = generate()
    write_key_file(directory / f"{pub.key_id}.public.json", public_document(pub), 0o644)
    write_key_file(directory / f"{pub.key_id}.private.json", wrap_private(pub.key_id, secret, passphrase), 0o600)
    if make_current:
        write_key_file(directory / "current.public.json", public_document(pub), 0o644)
    return pub
