"""The constraints a division meets: how many households a grid or a unit holds (its bounds
and the size aimed at); a part that misses a constraint is a DivisionException, with why.
Pure and light: the API's schemas and the CLI read these without loading the engine's
numpy, scipy and shapely."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message


@dataclass(frozen=True)
class Bounds:
    """Household bounds of one part (grid or unit) and the size aimed at."""

    low: int
    high: int
    target: float

    def count_range(self, households: float) -> tuple[int, int]:
        """The feasible numbers of parts: ``[ceil(h / high), floor(h / low)]`` (may be empty)."""
        return math.ceil(households / self.high - 1e-9), math.floor(households / self.low + 1e-9)

    def is_feasible(self, households: float) -> bool:
        fewest, most = self.count_range(households)
        return fewest <= most

    def part_count(self, households: float) -> int:
        """``round(h / target)`` clamped to the feasible range (at least 1)."""
        count = round(households / self.target)
        fewest, most = self.count_range(households)
        if fewest <= most:
            count = min(max(count, fewest), most)
        return max(1, count)

    def contains(self, households: float) -> bool:
        return self.low <= households <= self.high


def check_bounds(low: int, high: int, target: float, *, field: str) -> Bounds:
    """Bounds from a planner's input (422 naming ``field`` when they make no sense)."""
    if not 1 <= low <= target <= high:
        raise ValidationFailed.field(field, Message("min must be <= target <= max (and min >= 1)"))
    return Bounds(int(low), int(high), float(target))


def parse_range(text: str, *, field: str) -> tuple[int, int]:
    """``"25-45"`` as (25, 45)."""
    low, sep, high = text.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ValidationFailed.field(field, Message("write the range as MIN-MAX, e.g. 25-45"))
    return int(low), int(high)


GRID_BOUNDS = Bounds(25, 45, 36)
UNIT_BOUNDS = Bounds(4, 8, 6)


@dataclass(frozen=True)
class DivisionException:
    """One village, grid or unit that misses a constraint, and why."""

    level: str  # "village", "grid" or "unit"
    village: Hashable
    grid_serial: int | None
    unit_serial: int | None
    households: int
    reason: str
