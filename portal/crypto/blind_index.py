"""A keyed blind index: names, addresses, postcodes, phone numbers and e-mail addresses, normalised and then
HMAC-SHA256'd under a key only the triage side holds, so that staff can search and link cases while the
database holds no such value in the clear, and the public side (which never has the key) can neither compute
nor test one.

The key is 32 random bytes in `index.key.json` in the private key directory, wrapped under the key passphrase
exactly like a private key (Argon2id + AES-256-GCM). A digest is bound to its kind ("phone", "email", ...)
and to the key's id, so a phone number and a postcode that happen to share characters never match, and a new
key makes every old digest useless (re-index: `portal index --all`).

Normalisation finds the same value written differently, and nothing more (an exact match, never a partial
one): "14 Heol Fawr, CF10 1AA" and "14 heol fawr cf101aa" are one address (an
address needs a house or flat number: a town or a bare postcode is no household); "07700 900982", "+44 7700 900982"
and "(07700) 900-982" are one phone number; "Ann.Jones@Example.org " and "ann.jones@example.org" one address.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from portal.crypto.keys import KeyFileError, unwrap_secret, wrap_private, write_key_file

FORMAT = "portal-index-key"
SUITE = "HMAC-SHA256"
FILE = "index.key.json"
KINDS = ("name", "address", "street", "postcode", "phone", "email")
# A UK postcode, anywhere in an address: outward code, optional space, inward code.
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.I)


class NoIndexKey(Exception):
    """There is no index key here (the public host, or a triage host not yet given one)."""


@dataclass(frozen=True)
class IndexKey:
    key_id: str
    secret: bytes

    def digest(self, kind: str, normalised: str) -> str:
        message = f"portal/v1/index/{kind}/{self.key_id}/{normalised}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def _plain(text: str) -> str:
    """Lower case, accents folded (Siân and Sian are one name: people type both, on any phone), punctuation
    gone, spaces squeezed."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise_phone(text: str) -> str:
    """The digits, from any UK way of writing them: "07700 900982", "+44 7700 900982", "+44 (0)7700 900982",
    "0044 7700 900982" are one number."""
    digits = re.sub(r"\D", "", text or "")
    for prefix in ("0044", "44"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            rest = digits[len(prefix):]
            digits = rest if rest.startswith("0") else "0" + rest
            break
    return digits if len(digits) >= 10 else ""


def normalise_email(text: str) -> str:
    text = (text or "").strip().casefold()
    return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else ""


def postcode_of(text: str) -> str:
    found = POSTCODE.search(text or "")
    return (found.group(1) + found.group(2)).upper() if found else ""


# A house or flat number and the street that follows it: "14 Heol Fawr" in "Flat 2, 14 Heol Fawr, Caerdydd".
_STREET = re.compile(r"\b([0-9]+[a-z]?)\s+([a-z][a-z ]*?)(?=\s*(?:,|\n|$))", re.M)


def normalise_address(text: str) -> tuple[str, str]:
    """(the household, the street address), or "" where the text has too little to say.

    The household is every house and flat number with the postcode: "Flat 2, 14 Heol Fawr, Caerdydd CF10 1AA"
    is "2 14 CF101AA", whatever town or spelling surrounds it (a postcode holds about fifteen homes; the
    numbers tell them apart). The street address is the first number with the words after it, up to a comma or
    a line's end, for an address given without its postcode: "14heolfawr". A town alone gives neither."""
    postcode = postcode_of(text or "")
    without = POSTCODE.sub("\n", text or "", count=1)
    numbers = sorted(re.findall(r"\b[0-9]+[a-z]?\b", _plain(without)))
    household = " ".join([*numbers, postcode]) if numbers and postcode else ""
    # The same folding as _plain, keeping commas and line ends, where a street ends.
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", without).casefold() if not unicodedata.combining(ch))
    folded = re.sub(r"[ \t]+", " ", re.sub(r"\s*,\s*", "\n", re.sub(r"[^\w\s,]", " ", folded)))
    found = _STREET.search(folded)
    street = (found.group(1) + found.group(2).strip()).replace(" ", "") if found else ""
    return household, street


def normalise_name(text: str) -> str:
    return _plain(text or "")


def values(kind: str, text: str) -> list[str]:
    """The normalised forms of one answer, as indexed (or searched for) under `kind`."""
    if kind == "phone":
        found = [normalise_phone(text)]
    elif kind == "email":
        found = [normalise_email(text)]
    elif kind == "postcode":
        found = [postcode_of(text)]
    elif kind in ("address", "street"):
        # Only a real address: one with a house or flat number. A town ("Cardiff") or a bare postcode is where
        # thousands live, not a household: searched as a postcode, never a link.
        household, street = normalise_address(text)
        found = [household if kind == "address" else street]
    else:
        found = [normalise_name(text)]
    return [value for value in found if len(value) >= 3]


def generate(directory: Path, passphrase: str) -> IndexKey:
    """Make a new index key (replacing any), wrapped under the passphrase. Re-index afterwards."""
    secret = os.urandom(32)
    key_id = hashlib.sha256(b"portal index key id " + secret).hexdigest()[:16]
    write_key_file(directory / FILE, wrap_private(key_id, secret, passphrase, FORMAT, SUITE), 0o600)
    return IndexKey(key_id, secret)


def load(directory: Path | None, passphrase: str | None) -> IndexKey:
    if not directory or not passphrase:
        raise NoIndexKey("no private key directory here")
    path = Path(directory) / FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NoIndexKey(f"no {FILE} in the private key directory") from exc
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read {FILE}") from exc
    return IndexKey(str(document["key_id"]), unwrap_secret(document, passphrase, FORMAT))
