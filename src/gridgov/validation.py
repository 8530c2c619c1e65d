"""Field checks every package shares (pure), and the one collector of field problems.

Each ``clean_*`` returns the normalized value or raises :class:`FieldProblem` with the
reason in words a village clerk understands. A write that checks several fields collects
their problems in a :class:`Problems` and raises them together (one ValidationFailed, 422),
so the caller hears all of them at once. Rules of one domain (ID numbers, relations) stay
in that domain (e.g. :mod:`gridgov.registry.validation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from gridgov.errors import ValidationFailed

T = TypeVar("T")

# Control characters (C0, DEL, C1) and the right-to-left override: refused in every text
# field, except that a multi-line one (a description, an address) keeps tab and line breaks
# (a form's textarea sends CRLF). PostgreSQL cannot store NUL; the rest mislead or break
# what reads the text later (spreadsheets, XML, terminals).
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\u202e]")
_NOT_MULTILINE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]")


class FieldProblem(ValueError):
    """One field's value is unacceptable; the message says why."""


class Problems(dict[str, str]):
    """Field -> why, for every problem of one request; a field keeps its first problem."""

    def add(self, field: str, why: str) -> None:
        self.setdefault(field, why)

    def add_all(self, problems: Mapping[str, str], *, prefix: str = "") -> None:
        """Problems found by a check that returns them (e.g. :func:`clean_lon_lat`), their
        fields named ``prefix + field`` (``center_`` + ``lon``)."""
        for field, why in problems.items():
            self.add(prefix + field, why)

    def check(self, field: str, clean: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``clean(*args, **kwargs)``, or None with its FieldProblem recorded for ``field``."""
        try:
            return clean(*args, **kwargs)
        except FieldProblem as exc:
            self.add(field, str(exc))
            return None

    def raise_if_any(self) -> None:
        if self:
            message = "; ".join(f"{field}: {why}" for field, why in self.items())
            raise ValidationFailed(message, fields=dict(self))


def clean_text(value: str, *, max_length: int, field_words: str = "this field") -> str:
    text = value.strip()
    if not text:
        raise FieldProblem(f"{field_words} cannot be empty")
    if len(text) > max_length:
        raise FieldProblem(f"at most {max_length} characters")
    return text


def clean_choice(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise FieldProblem(f"must be one of {', '.join(choices)}")
    return value


def clean_lon_lat(lon: float | None, lat: float | None) -> dict[str, str]:
    """Problems with a location point, by field (both or neither must be given)."""
    problems: dict[str, str] = {}
    if (lon is None) != (lat is None):
        problems["lon" if lon is None else "lat"] = "give lon and lat together, or neither"
        return problems
    if lon is not None and not -180 <= lon <= 180:
        problems["lon"] = "longitude is between -180 and 180"
    if lat is not None and not -90 <= lat <= 90:
        problems["lat"] = "latitude is between -90 and 90"
    return problems


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` cannot be stored as text (a control character, see ``_NOT_TEXT``), or
    None when it can."""
    found = (_NOT_MULTILINE_TEXT if multiline else _NOT_TEXT).search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\u202e":
        return "holds a right-to-left override (U+202E)"
    return f"holds a control character (U+{ord(char):04X})"
