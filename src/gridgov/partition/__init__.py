"""Grid division engine (pure: arrays in, arrays out; no database or web code)."""

from gridgov.partition.algorithm import (
    GRID_BOUNDS,
    UNIT_BOUNDS,
    Division,
    PreviousDivision,
    divide,
)
from gridgov.partition.bisection import Bounds
from gridgov.partition.report import DivisionException

__all__ = [
    "GRID_BOUNDS",
    "UNIT_BOUNDS",
    "Bounds",
    "Division",
    "DivisionException",
    "PreviousDivision",
    "divide",
]
