"""The keys in a backup, sealed with a passphrase: Scrypt derives a 256-bit key from the
passphrase and a random salt, AES-GCM encrypts and authenticates the keys with it (a wrong
passphrase or a changed byte fails the tag)."""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gridgov.errors import GridgovError

# Scrypt's cost: 2^15 x 8 x 128 bytes = 32 MiB and about 0.1 s per try.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES, NONCE_BYTES = 16, 12
MIN_PASSPHRASE = 8
CONTEXT = b"gridgov backup keys v1"  # bound to the ciphertext as associated data


class WrongPassphrase(GridgovError):
    """The passphrase does not open the sealed keys (or they were altered)."""


def _derive(passphrase: str, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def seal(secrets: dict[str, str], passphrase: str) -> bytes:
    """``secrets`` as a JSON document only ``passphrase`` opens."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise WrongPassphrase(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    key = _derive(passphrase, salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(secrets).encode(), CONTEXT)
    document = {
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "cipher": "AES-256-GCM",
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    return json.dumps(document, indent=1).encode()


def unseal(document: bytes, passphrase: str) -> dict[str, str]:
    try:
        data = json.loads(document)
        kdf = data["kdf"]
        key = _derive(
            passphrase, base64.b64decode(data["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"]
        )
        opened = AESGCM(key).decrypt(
            base64.b64decode(data["nonce"]), base64.b64decode(data["ciphertext"]), CONTEXT
        )
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise WrongPassphrase("wrong passphrase: the backup's keys cannot be opened") from exc
    secrets: dict[str, str] = json.loads(opened)
    return secrets
