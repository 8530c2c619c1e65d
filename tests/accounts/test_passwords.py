"""Password policy and argon2id hashing (pure: no database)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from gridgov.accounts import passwords
from gridgov.errors import ValidationFailed


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1!", "at least 10 characters"),
        ("x" * 257, "at most 256 characters"),
        (" " * 12, "only spaces"),
        ("1234567890", "most common passwords"),
        ("QwertyUiop", "most common passwords"),  # the list is compared case-insensitively
        ("1q2w3e4r5t", "most common passwords"),
        ("woaini1314", "most common passwords"),
        ("zhangwei.admin", "the username"),
        ("ZhangWei.Admin", "the username"),
        ("13812345678", "the phone number"),
        ("+86 138 1234 5678", "the phone number"),
    ],
)
def test_refused_passwords_say_why(password: str, why: str) -> None:
    problem = passwords.password_problem(password, username="zhangwei.admin", phone="13812345678")
    assert problem is not None and why in problem


def test_acceptable_password_passes_and_a_refusal_names_the_field() -> None:
    assert passwords.password_problem("lantern by the harbour", username="zhang") is None
    passwords.check_password_policy("lantern by the harbour", username="zhang")
    with pytest.raises(ValidationFailed) as refused:
        passwords.check_password_policy("password1234", field="new_password")
    assert set(refused.value.fields) == {"new_password"}


def test_the_shipped_breach_list_is_a_few_thousand_long_passwords() -> None:
    listed = passwords.breached_passwords()
    assert 1_000 < len(listed) < 20_000
    assert all(len(entry) >= passwords.MIN_LENGTH for entry in listed)
    assert not any(entry.startswith("#") for entry in listed)
    assert {"1234567890", "qwertyuiop", "1qaz2wsx3edc"} <= listed


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    stored = passwords.hash_password("lantern by the harbour")
    assert stored.startswith("$argon2id$")
    assert "lantern" not in stored
    assert passwords.verify_password(stored, "lantern by the harbour")
    assert not passwords.verify_password(stored, "lantern by the harbour!")
    assert not passwords.verify_password("not a hash", "lantern by the harbour")
    assert not passwords.verify_password(None, "anything at all")


def test_a_hash_made_with_other_parameters_needs_rehashing() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("lantern harbour")
    assert passwords.needs_rehash(old)
    assert passwords.verify_password(old, "lantern harbour")  # still accepted meanwhile
    assert not passwords.needs_rehash(passwords.hash_password("lantern harbour"))


def test_temporary_passwords_are_random_readable_and_pass_the_policy() -> None:
    drawn = {passwords.temporary_password() for _ in range(50)}
    assert len(drawn) == 50
    for password in drawn:
        assert passwords.password_problem(password) is None
        assert not set(password) & set("0O1lI")
