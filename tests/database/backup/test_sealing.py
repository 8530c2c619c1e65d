"""The keys in a backup: sealed under a passphrase, opened by it only."""

from __future__ import annotations

import json

import pytest

from gridgov.database.backup.sealing import WrongPassphrase, seal, unseal

SECRETS = {"secret_key": "s" * 40, "encryption_keys": "k1:" + "A" * 44}


def test_the_passphrase_opens_what_it_sealed() -> None:
    sealed = seal(SECRETS, "correct horse battery")
    assert b"sssss" not in sealed and b"k1:" not in sealed
    assert unseal(sealed, "correct horse battery") == SECRETS


def test_a_wrong_passphrase_or_a_changed_byte_opens_nothing() -> None:
    sealed = seal(SECRETS, "correct horse battery")
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        unseal(sealed, "correct horse batterY")
    document = json.loads(sealed)
    document["ciphertext"] = "A" + document["ciphertext"][1:]
    with pytest.raises(WrongPassphrase):
        unseal(json.dumps(document).encode(), "correct horse battery")


def test_a_short_passphrase_is_refused() -> None:
    with pytest.raises(WrongPassphrase, match="at least 8 characters"):
        seal(SECRETS, "short")
