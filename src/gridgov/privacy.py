"""Masking of personal fields. Every response masks them unless a reveal is asked for."""

from __future__ import annotations

PERSONAL_FIELDS = ("id_number", "phone")


def mask_id_number(value: str | None) -> str | None:
    """``350305198001010011`` -> ``350305********0011`` (region kept, birth date hidden)."""
    if value is None:
        return None
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``."""
    if value is None:
        return None
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask(field: str, value: str | None) -> str | None:
    if field == "id_number":
        return mask_id_number(value)
    if field == "phone":
        return mask_phone(value)
    return value
