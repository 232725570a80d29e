"""The sealing envelope: HPKE to a public key, bound to purpose and record; only the private key opens."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.crypto import keys
from portal.crypto.sealing import CannotOpen, Opener, Sealer, key_id_of


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sealer, Opener, Path]:
    directory = tmp_path_factory.mktemp("keys")
    keys.write_key_pair(directory, "correct horse")
    private = keys.load_private_keys(directory, "correct horse")
    return Sealer(keys.load_public(directory / "current.public.json")), Opener(private), directory


def test_round_trip_with_the_key_id_on_the_record(pair):
    sealer, opener, _ = pair
    sealed = sealer.seal_json({"story": "Rhywbeth — ŵ ŷ"}, "report", "id-1")
    assert key_id_of(sealed) == sealer.key_id
    assert opener.open_json(sealed, "report", "id-1") == {"story": "Rhywbeth — ŵ ŷ"}


def test_the_same_text_seals_differently_each_time(pair):
    sealer, _, _ = pair
    assert sealer.seal(b"same", "report", "x") != sealer.seal(b"same", "report", "x")


def test_a_sealed_value_moved_to_another_record_does_not_open(pair):
    sealer, opener, _ = pair
    sealed = sealer.seal(b"secret", "report", "id-1")
    with pytest.raises(CannotOpen):
        opener.open(sealed, "report", "id-2")
    with pytest.raises(CannotOpen):
        opener.open(sealed, "note", "id-1")


def test_tampering_is_detected(pair):
    sealer, opener, _ = pair
    sealed = bytearray(sealer.seal(b"secret", "report", "id-1"))
    sealed[-1] ^= 1
    with pytest.raises(CannotOpen):
        opener.open(bytes(sealed), "report", "id-1")


def test_ciphertext_does_not_contain_the_plaintext(pair):
    sealer, _, _ = pair
    assert b"domestic" not in sealer.seal(b"domestic abuse story", "report", "r")


def test_an_unknown_key_id_cannot_open(pair, tmp_path):
    sealer, _, _ = pair
    other = keys.write_key_pair(tmp_path, "pw")
    with pytest.raises(CannotOpen, match="no private key"):
        Opener(keys.load_private_keys(tmp_path, "pw")).open(sealer.seal(b"x", "report", "r"), "report", "r")
    assert other.key_id != sealer.key_id


def test_private_key_file_is_wrapped_with_argon2id_and_not_readable_by_others(pair):
    _, _, directory = pair
    (private_file,) = directory.glob("*.private.json")
    document = json.loads(private_file.read_text())
    assert document["kdf"]["name"] == "argon2id" and document["kdf"]["memory_cost"] >= 64 * 1024
    assert document["aead"]["name"] == "AES-256-GCM"
    assert private_file.stat().st_mode & 0o077 == 0


def test_wrong_passphrase_is_refused(pair):
    _, _, directory = pair
    with pytest.raises(keys.WrongPassphrase):
        keys.load_private_keys(directory, "wrong")


def test_a_changed_kdf_parameter_is_detected(pair, tmp_path):
    _, _, directory = pair
    (private_file,) = directory.glob("*.private.json")
    document = json.loads(private_file.read_text())
    document["kdf"]["iterations"] = 1  # an attacker weakening the wrapping must not go unnoticed
    with pytest.raises(keys.WrongPassphrase):
        keys.unwrap_private(document, "correct horse")


def test_public_key_file_with_a_wrong_key_id_is_refused(pair, tmp_path):
    _, _, directory = pair
    document = json.loads((directory / "current.public.json").read_text())
    document["key_id"] = "0" * 16
    bad = tmp_path / "bad.public.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(keys.KeyFileError):
        keys.load_public(bad)
