"""Handling levels of a case (pure): which node handles it at a level, who, and what is next.

A case is located in a unit; at level L it is handled by the unit's ancestor at L (a code
prefix), by the role that leads that kind of node (access.roles, the one role <-> level
table).
"""

from __future__ import annotations

from typing import Final

from gridgov.access.roles import LEADER_OF
from gridgov.territory.codes import CODE_LENGTH, as_level, level_of

# Handling levels, lowest first (a subset of the territory levels).
CASE_LEVELS: Final = ("unit", "grid", "village", "town", "district")
# The role that handles a case at each level (on the handling node itself).
HANDLER_ROLE = LEADER_OF
assert set(HANDLER_ROLE) == set(CASE_LEVELS)  # every level is led by a role


def rank(level: str) -> int:
    """0 for unit ... 4 for district."""
    return CASE_LEVELS.index(level)


def lowest_level_of(territory_code: str) -> str:
    """The lowest level a case located at this code can be handled at (its own node's)."""
    level = level_of(territory_code)
    if level is None:
        raise ValueError(f"not a territory code: {territory_code!r}")
    return level


def handler_code_for(territory_code: str, level: str) -> str:
    """The code of the node handling, at ``level``, a case located at ``territory_code``."""
    if rank(level) < rank(lowest_level_of(territory_code)):
        raise ValueError(f"{territory_code} has no {level} below it")
    return territory_code[: CODE_LENGTH[as_level(level)]]


def next_level(level: str, top_level: str) -> str | None:
    """The level above, or None at the deployment's top level."""
    if rank(level) >= rank(top_level):
        return None
    return CASE_LEVELS[rank(level) + 1]


def starting_level(default_level: str, territory_code: str, top_level: str) -> str:
    """A category's default level, raised to the case's own node when located higher and
    capped at the deployment's top level."""
    lowest = lowest_level_of(territory_code)
    level = default_level if rank(default_level) >= rank(lowest) else lowest
    return level if rank(level) <= rank(top_level) else top_level
