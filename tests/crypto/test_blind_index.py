"""The blind index's normalisation finds real matches (and only exact ones), and its digests are keyed."""
from __future__ import annotations

from pathlib import Path

import pytest

from portal.crypto import blind_index
from portal.crypto.blind_index import IndexKey, NoIndexKey, values
from portal.crypto.keys import KeyFileError


@pytest.mark.parametrize(("kind", "one", "other"), [
    ("address", "14 Heol Fawr, CF10 1AA", "14 heol fawr cf101aa"),
    ("address", "14 Heol Fawr, Caerdydd CF10 1AA", "14 heol fawr cf101aa"),  # the town does not matter
    ("street", "14 Heol Fawr, Caerdydd", "14 heol fawr"),
    ("phone", "+44 (0) 7700 900777", "07700900777"),
    ("address", "Flat 2, 14 Heol Fawr\nCaerdydd CF10 1AA", "flat 2 14 heol fawr caerdydd cf10 1aa"),
    ("street", "14 Heol Fawr, CF10 1AA", "14 Heol Fawr"),
    ("postcode", "14 Heol Fawr, CF10 1AA", "cf101aa"),
    ("phone", "07700 900982", "+44 7700 900982"),
    ("phone", "(07700) 900-982", "0044 7700 900982"),
    ("email", "Ann.Jones@Example.org ", "ann.jones@example.org"),
    ("name", "Siân  Jones", "sian jones"),  # accents folded: people type both
])
def test_the_same_value_written_differently_is_one_value(kind: str, one: str, other: str) -> None:
    assert values(kind, one) == values(kind, other) != []


@pytest.mark.parametrize(("kind", "one", "other"), [
    ("address", "14 Heol Fawr, CF10 1AA", "15 Heol Fawr, CF10 1AA"),
    ("phone", "07700 900982", "07700 900983"),
    ("address", "Flat 2, 14 Heol Fawr, CF10 1AA", "Flat 3, 14 Heol Fawr, CF10 1AA"),
    ("name", "Ann Jones", "Ann"),  # exact, never partial
])
def test_different_values_stay_different(kind: str, one: str, other: str) -> None:
    assert values(kind, one) != values(kind, other)


@pytest.mark.parametrize("text", ["Cardiff", "CF10 1AA", "Caerdydd, CF10 1AA", "Heol Fawr, Abertawe"])
def test_a_town_or_a_bare_postcode_is_no_household(text: str) -> None:
    assert values("address", text) == [] and values("street", text) == []
    assert values("postcode", "Caerdydd, CF10 1AA") == ["CF101AA"]


def test_too_little_to_go_on_is_not_indexed() -> None:
    assert values("phone", "999") == [] and values("email", "not an address") == [] and values("name", "A") == []


def test_a_digest_is_keyed_and_bound_to_its_kind() -> None:
    one, other = IndexKey("k1", b"1" * 32), IndexKey("k2", b"2" * 32)
    assert one.digest("phone", "07700900982") != other.digest("phone", "07700900982")
    assert one.digest("phone", "07700900982") != one.digest("reporter_phone", "07700900982")
    assert len(one.digest("phone", "07700900982")) == 64 and "07700" not in one.digest("phone", "07700900982")


def test_the_key_file_is_wrapped_and_opens_only_with_the_passphrase(tmp_path: Path) -> None:
    made = blind_index.generate(tmp_path, "a long passphrase")
    text = (tmp_path / blind_index.FILE).read_text()
    assert made.secret.hex() not in text and (tmp_path / blind_index.FILE).stat().st_mode & 0o777 == 0o600
    assert blind_index.load(tmp_path, "a long passphrase") == made
    with pytest.raises(KeyFileError):
        blind_index.load(tmp_path, "the wrong passphrase")
    with pytest.raises(NoIndexKey):
        blind_index.load(None, "a long passphrase")
    with pytest.raises(NoIndexKey):
        blind_index.load(tmp_path / "elsewhere", "a long passphrase")
