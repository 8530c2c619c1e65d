"""What a division is: grids and units as tables, and the division in force it starts from
(pure data; the engine in algorithm.py makes them)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry.base import BaseGeometry

from gridgov.partition.constraints import DivisionException
from gridgov.partition.graph import NeighbourGraph


@dataclass(frozen=True)
class PreviousDivision:
    """The division in force: serials per point (-1 for a household that is new)."""

    grid_serial: np.ndarray  # grid serial inside the point's village
    unit_serial: np.ndarray  # unit serial inside that grid
    locked: frozenset[tuple[Hashable, int]] = frozenset()  # (village, grid serial)
    used_grid_serials: Mapping[Hashable, Iterable[int]] = field(default_factory=dict)


@dataclass
class Division:
    """Grids and units as tables; points refer to them by index."""

    point_grid: np.ndarray
    point_unit: np.ndarray
    grid_village: list[Hashable]
    grid_serial: np.ndarray
    grid_households: np.ndarray
    grid_kept: np.ndarray  # an earlier grid kept as it was (it may have gained newcomers)
    unit_grid: np.ndarray
    unit_serial: np.ndarray
    unit_households: np.ndarray
    exceptions: list[DivisionException]
    # After a re-division: households whose grid (unit) code changed, and households that
    # changed grid (the new grid is not the successor of their earlier one).
    households_moved_grid: int = 0
    households_moved_unit: int = 0
    households_changed_grid: int = 0
    grid_polygons: list[BaseGeometry] | None = None  # WGS84
    unit_polygons: list[BaseGeometry] | None = None
    # The graph over sites the division kept contiguous in: neighbour links, plus the barrier
    # links that join a piece too small to stand alone.
    graph: NeighbourGraph | None = None
    point_site: np.ndarray | None = None
