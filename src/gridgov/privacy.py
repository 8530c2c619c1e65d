"""Masking of personal fields. Every response masks them unless a reveal is asked for.

A value that cannot be decrypted reads as :data:`gridgov.crypto.UNDECRYPTABLE`; every mask
gives it back as it is, so it shows as undecryptable rather than as a masked value."""

from __future__ import annotations

from gridgov.crypto import UNDECRYPTABLE
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

PERSONAL_FIELDS = ("id_number", "phone")


def mask_id_number(value: str | None) -> str | None:
    """``350305198001010011`` -> ``350305********0011`` (region kept, birth date hidden)."""
    if value is None or value == UNDECRYPTABLE:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``."""
    if value is None or value == UNDECRYPTABLE:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str | None) -> str | None:
    """``zhang.wei@example.org`` -> ``z********@example.org`` (the domain kept, like a
    phone's prefix)."""
    if value is None or value == UNDECRYPTABLE:
        return value
    local, at, domain = value.rpartition("@")
    if not at:
        return "*" * len(value)
    if len(local) <= 1:
        return "*" * len(local) + "@" + domain
    return local[0] + "*" * (len(local) - 1) + "@" + domain


def mask(field: str, value: str | None) -> str | None:
    if field == "id_number":
        return mask_id_number(value)
    if field == "phone":
        return mask_phone(value)
    if field == "email":
        return mask_email(value)
    return value


def parse_reveal(reveal: str | None) -> frozenset[str]:
    """The personal fields a request asks to see in full (``reveal=id_number,phone``). The
    reason a reveal needs is checked where it is audited (accounts.reveal)."""
    if not reveal:
        return frozenset()
    fields = frozenset(part.strip() for part in reveal.split(",") if part.strip())
    unknown = sorted(fields - set(PERSONAL_FIELDS))
    if unknown:
        raise ValidationFailed.field(
            "reveal",
            Message(
                "unknown field(s) %(unknown)s; one of %(PERSONAL_FIELDS)s",
                unknown=", ".join(unknown),
                PERSONAL_FIELDS=", ".join(PERSONAL_FIELDS),
            ),
        )
    return fields
