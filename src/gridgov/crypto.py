"""Personal fields at rest: AES-GCM encryption with a key ring, and keyed hashes for lookup.

A stored value reads ``v1:<key id>:<base64(nonce + ciphertext)>``; the key id says which key
of the ring decrypts it, so keys rotate without a flag day. Equality lookups and duplicate
checks use ``keyed_hash`` (HMAC-SHA256), never the ciphertext.

Keys come from ``GRIDGOV_SECRET_KEY`` and ``GRIDGOV_ENCRYPTION_KEYS`` through the adapter's
Settings: ``key_ring_for(settings)`` builds the ring and the adapter installs it for the
process with :func:`use_key_ring` (built at its first use, so a command that touches no
personal field needs no keys). Outside production, missing keys are generated once into
``<data dir>/secrets.json`` (mode 0600); production refuses to run without keys of its own.

The keys are bound to the data they protect: the database records a check value for each
key id that encrypts (:func:`encryption_check`) and one for the hash secret
(:func:`hash_check`), and a process refuses to start on keys that fail them
(``gridgov.database.keys``). A value that still cannot be decrypted reads as
:data:`UNDECRYPTABLE` (logged), so one bad value never breaks a whole list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gridgov.errors import GridgovError
from gridgov.settings import Settings

PREFIX = "v1"
NONCE_BYTES = 12
MIN_SECRET_LENGTH = 32
# What a value that cannot be decrypted reads as (lists, exports, reveals); never written.
UNDECRYPTABLE = "[undecryptable]"
# The text the check values encrypt and hash: they show whether keys match, nothing else.
CHECK_TEXT = "gridgov key check"


class InsecureSettings(GridgovError):
    """Keys are missing or too weak for this environment."""


class UndecryptableValue(GridgovError):
    """A stored value names a key the ring does not have, or was tampered with."""


class NoKeyRing(GridgovError):
    """A personal field was touched before the adapter installed a key ring."""


class KeysMismatch(GridgovError):
    """The keys at hand cannot decrypt the data of the database (or hash as it did)."""


@dataclass(frozen=True)
class KeyRing:
    hash_key: bytes
    current_id: str
    ciphers: dict[str, AESGCM]

    def encrypt(self, plaintext: str, *, key_id: str | None = None) -> str:
        """``plaintext`` under the current key (or the ring's key ``key_id``)."""
        key_id = key_id or self.current_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.ciphers[key_id].encrypt(nonce, plaintext.encode(), None)
        return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        try:
            prefix, key_id, payload = stored.split(":", 2)
            raw = base64.urlsafe_b64decode(payload)
            cipher = self.ciphers[key_id]
            if prefix != PREFIX:
                raise ValueError(prefix)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except (ValueError, KeyError, InvalidTag) as exc:
            raise UndecryptableValue("a stored personal field cannot be decrypted") from exc

    def key_id_of(self, stored: str) -> str:
        return stored.split(":", 2)[1]

    def keyed_hash(self, value: str) -> str:
        # A copy of the keyed HMAC state skips re-deriving the key pads on every value.
        mac = self._hmac_template.copy()
        mac.update(value.encode())
        return mac.hexdigest()

    @cached_property
    def _hmac_template(self) -> hmac.HMAC:
        return hmac.new(self.hash_key, digestmod=hashlib.sha256)


def new_encryption_key() -> str:
    """A fresh ``id:base64key`` entry for GRIDGOV_ENCRYPTION_KEYS."""
    return f"{secrets.token_hex(4)}:{base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode()}"


def _parse_ring(text: str) -> tuple[str, dict[str, AESGCM]]:
    ciphers: dict[str, AESGCM] = {}
    order: list[str] = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key_id, _, encoded = entry.partition(":")
        try:
            key = base64.urlsafe_b64decode(encoded)
        except ValueError as exc:
            raise InsecureSettings(f"encryption key {key_id!r} is not base64") from exc
        if len(key) != 32 or not key_id:
            raise InsecureSettings(f"encryption key {key_id!r} must be id:base64(32 bytes)")
        ciphers[key_id] = AESGCM(key)
        order.append(key_id)
    if not order:
        raise InsecureSettings("GRIDGOV_ENCRYPTION_KEYS holds no key")
    return order[0], ciphers


def encryption_check(ring: KeyRing, key_id: str) -> str:
    """The check value of the ring's key ``key_id``: CHECK_TEXT encrypted under it."""
    return ring.encrypt(CHECK_TEXT, key_id=key_id)


def encryption_check_holds(ring: KeyRing, key_id: str, check_value: str) -> bool:
    """Whether the ring's key ``key_id`` is the key that made ``check_value``."""
    if key_id not in ring.ciphers or ring.key_id_of(check_value) != key_id:
        return False
    try:
        return ring.decrypt(check_value) == CHECK_TEXT
    except UndecryptableValue:
        return False


def hash_check(ring: KeyRing) -> str:
    """The check value of the hash secret: the keyed hash of CHECK_TEXT."""
    return ring.keyed_hash(CHECK_TEXT)


def _secrets_path(data_dir: Path) -> Path:
    return data_dir / "secrets.json"


def _development_secrets(data_dir: Path) -> dict[str, str]:
    path = _secrets_path(data_dir)
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {"secret_key": secrets.token_urlsafe(48), "encryption_keys": new_encryption_key()}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(generated, handle)
    return generated


def keys_at_hand(settings: Settings) -> KeyRing | None:
    """The ring of the configured keys, or None when development keys would have to be
    generated for it (no keys set and no secrets file in the data dir): whether they may be
    is for the database to say (``gridgov.database.keys.bind_keys``)."""
    unset = settings.secret_key is None or settings.encryption_keys is None
    generated = settings.environment != "production" and unset
    if generated and not _secrets_path(settings.data_dir).exists():
        return None
    return key_ring_for(settings)


def key_ring_for(settings: Settings) -> KeyRing:
    secret, keys = settings.secret_key, settings.encryption_keys
    if secret is None or keys is None:
        if settings.environment == "production":
            raise InsecureSettings(
                "production needs GRIDGOV_SECRET_KEY and GRIDGOV_ENCRYPTION_KEYS "
                "(generate them with `gridgov keys new`)"
            )
        stored = _development_secrets(settings.data_dir)
        secret = secret or stored["secret_key"]
        keys = keys or stored["encryption_keys"]
    if len(secret) < MIN_SECRET_LENGTH:
        raise InsecureSettings(
            f"GRIDGOV_SECRET_KEY must have at least {MIN_SECRET_LENGTH} characters"
        )
    current, ciphers = _parse_ring(keys)
    return KeyRing(hash_key=secret.encode(), current_id=current, ciphers=ciphers)


_ring_source: Callable[[], KeyRing] | None = None
_ring: KeyRing | None = None
_ring_lock = threading.Lock()  # request threads may all reach the first use at once


def use_key_ring(source: Callable[[], KeyRing]) -> None:
    """Install the process's key ring (the adapter does, e.g. with
    ``lambda: key_ring_for(settings)``); ``source`` is called at the first use."""
    global _ring_source, _ring
    _ring_source, _ring = source, None


def key_ring() -> KeyRing:
    global _ring  # noqa: PLW0603 - built once from the installed source
    if _ring is None:
        with _ring_lock:
            if _ring_source is None:
                raise NoKeyRing("no key ring installed: the adapter calls crypto.use_key_ring")
            _ring = _ring if _ring is not None else _ring_source()
    return _ring


def encrypt(plaintext: str) -> str:
    return key_ring().encrypt(plaintext)


def decrypt(stored: str) -> str:
    return key_ring().decrypt(stored)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalized value: equal values, equal hashes; nothing else learned."""
    return key_ring().keyed_hash(value)
