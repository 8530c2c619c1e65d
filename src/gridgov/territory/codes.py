"""Hierarchical territory codes (pure).

A code is a materialized path: the parent's code plus a fixed-width serial, the way the
national division codes (GB/T 2260 county + 3-digit town + 3-digit village) and the
grid-coding standards build theirs. "Everything under V" is "code starts with V's code".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Level = Literal["district", "town", "village", "grid", "unit"]
LEVELS: tuple[Level, ...] = get_args(Level)

CODE_LENGTH: dict[Level, int] = {"district": 6, "town": 9, "village": 12, "grid": 15, "unit": 17}
SERIAL_WIDTH: dict[Level, int] = {"district": 6, "town": 3, "village": 3, "grid": 3, "unit": 2}
PARENT_LEVEL: dict[Level, Level | None] = {
    "district": None,
    "town": "district",
    "village": "town",
    "grid": "village",
    "unit": "grid",
}
CHILD_LEVEL: dict[Level, Level | None] = {
    "district": "town",
    "town": "village",
    "village": "grid",
    "grid": "unit",
    "unit": None,
}


def level_of(code: str) -> Level | None:
    """The level a well-formed code belongs to, or None."""
    if not code.isascii() or not code.isdigit():
        return None
    for level, length in CODE_LENGTH.items():
        if len(code) == length:
            return level
    return None


def as_level(value: str) -> Level:
    """``value`` as a Level (a name read from a row or checked before); ValueError if not one."""
    if value not in CODE_LENGTH:
        raise ValueError(f"not a territory level: {value!r}")
    return value


def problem_with(code: str, level: str, parent_code: str | None) -> tuple[str, str] | None:
    """``(field, why)`` when ``code`` cannot name a ``level`` node under ``parent_code``."""
    if level not in CODE_LENGTH:
        return "level", f"level must be one of {', '.join(LEVELS)}"
    if not code.isascii() or not code.isdigit():
        return "code", "a code has digits only"
    if len(code) != CODE_LENGTH[level]:
        return "code", f"a {level} code has {CODE_LENGTH[level]} digits, not {len(code)}"
    parent_level = PARENT_LEVEL[level]
    if parent_level is None:
        if parent_code is not None:
            return "parent_code", f"a {level} has no parent"
        return None
    if parent_code is None:
        return "parent_code", f"a {level} needs a parent {parent_level}"
    if len(parent_code) != CODE_LENGTH[parent_level]:
        return (
            "parent_code",
            f"a {level}'s parent is a {parent_level} ({CODE_LENGTH[parent_level]}-digit code)",
        )
    if not code.startswith(parent_code):
        return "code", f"a {level} code starts with its parent's code {parent_code}"
    if int(code[len(parent_code) :]) == 0:
        return "code", "the serial part of a code starts at 1"
    return None


def child_code(parent_code: str, child_level: Level, serial: int) -> str:
    width = SERIAL_WIDTH[child_level]
    if not 1 <= serial < 10**width:
        raise ValueError(f"a {child_level} serial is 1 to {10**width - 1}, not {serial}")
    return f"{parent_code}{serial:0{width}d}"


def ancestors(code: str) -> list[str]:
    """The codes of every ancestor of ``code``, top first (the code itself excluded)."""
    return [code[:length] for length in CODE_LENGTH.values() if length < len(code)]


def common_ancestor(codes: Iterable[str]) -> str | None:
    """The deepest node whose subtree holds every code (None if nothing is shared)."""
    distinct = set(codes)
    if not distinct:
        return None
    for length in sorted(CODE_LENGTH.values(), reverse=True):
        prefixes = {code[:length] for code in distinct if len(code) >= length}
        if len(prefixes) == 1 and all(len(code) >= length for code in distinct):
            return prefixes.pop()
    return None
