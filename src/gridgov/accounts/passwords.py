"""Password hashing (argon2id) and the password policy (pure, apart from the shipped list)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridgov.errors import ValidationFailed

MIN_LENGTH = 10
# Long enough for any passphrase; bounded so nobody makes the server hash megabytes.
MAX_LENGTH = 256
BREACH_LIST = "breached-passwords.txt"

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile; when they change
# in a later release, stored hashes are upgraded at the next successful login.
_hasher = PasswordHasher()
_dummy_hashes: dict[str, str] = {}

# No 0/O, 1/l/I: temporary passwords are read out over the phone.
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a None hash (unknown user) costs the same and fails."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """Verified against when the login name is unknown, so that answer takes as long as a
    wrong password (made with the current parameters, once)."""
    key = f"{_hasher.time_cost}:{_hasher.memory_cost}:{_hasher.parallelism}"
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (see the file's header)."""
    text = resources.files("gridgov.accounts").joinpath("data", BREACH_LIST).read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(
    password: str, *, username: str | None = None, phone: str | None = None
) -> str | None:
    """Why ``password`` is refused, in words a user can act on; None when acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must have at most {MAX_LENGTH} characters"
    if not password.strip():
        return "must not be only spaces"
    lowered = password.lower()
    if username and lowered == username.lower():
        return "must not be the username"
    if phone and _as_phone(password) == _as_phone(phone):
        return "must not be the phone number"
    if lowered in breached_passwords():
        return "is one of the most common passwords (found in breaches): choose another"
    return None


def check_password_policy(
    password: str,
    *,
    username: str | None = None,
    phone: str | None = None,
    field: str = "password",
) -> None:
    problem = password_problem(password, username=username, phone=phone)
    if problem is not None:
        raise ValidationFailed.field(field, problem)


def temporary_password() -> str:
    """A random password to hand over once: 3 groups of 4 readable characters (~69 bits)."""
    groups = ("".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def _as_phone(value: str) -> str:
    """The digits of a phone-looking value (separators and +86 dropped)."""
    digits = "".join(ch for ch in value if ch not in " -()+")
    # +86 13812345678 and 13812345678 are the same number.
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
