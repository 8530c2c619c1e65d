"""Territory scoping in SQL: "that node and everything under it" is a code-prefix filter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.codes import level_of


def clean_territory_filter(code: str, *, field: str = "territory") -> str:
    if level_of(code) is None:
        raise ValidationFailed.field(
            field,
            Message("%(code)r is not a territory code (6, 9, 12, 15 or 17 digits)", code=code),
        )
    return code


def within(column: Any, code: str) -> ColumnElement[bool]:
    """Rows whose territory code is ``code`` or under it (index-served prefix match)."""
    clean_territory_filter(code)
    return column.like(f"{code}%")
