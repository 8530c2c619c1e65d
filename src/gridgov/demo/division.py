"""The demo island's grids and units, drawn by the grid-division engine (pure).

Every house is one point of one household. The engine keeps each grid inside its village
and each unit inside its grid, contiguous and within the default bounds (grids 25-45
households, target 36; units 4-8, target 6), numbers them west to east, north to south,
and draws their boundaries from the houses' Voronoi cells clipped to the village.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from shapely.geometry.base import BaseGeometry

from gridgov.partition.algorithm import divide
from gridgov.partition.constraints import DivisionException
from gridgov.partition.division import Division


@dataclass(frozen=True)
class UnitPlan:
    serial: int
    boundary: BaseGeometry  # WGS84 lon/lat
    households: np.ndarray  # indices into the village's houses, ascending


@dataclass(frozen=True)
class GridPlan:
    serial: int
    boundary: BaseGeometry  # WGS84 lon/lat
    units: list[UnitPlan]  # by serial


@dataclass(frozen=True)
class IslandDivision:
    grids: list[list[GridPlan]]  # per village, in the order given; by serial
    exceptions: list[DivisionException]  # what misses a bound, with its reason


def divide_villages(
    codes: Sequence[str], houses: Sequence[np.ndarray], boundaries: Sequence[BaseGeometry]
) -> IslandDivision:
    """Grids and units of villages from their codes, houses ((n, 2) lon/lat) and boundaries.

    One engine run over the whole island; a grid never spans two villages, and the
    exceptions name their village by its code.
    """
    lonlat = np.concatenate([np.asarray(xy, dtype=float).reshape(-1, 2) for xy in houses])
    village = np.repeat(np.asarray(codes), [len(xy) for xy in houses])
    result = divide(
        lonlat[:, 0],
        lonlat[:, 1],
        np.ones(len(lonlat)),
        village,
        village_boundaries=dict(zip(codes, boundaries, strict=True)),
    )
    starts = np.cumsum([0, *[len(xy) for xy in houses]])
    grids = [
        _village_grids(result, code, np.arange(starts[index], starts[index + 1]))
        for index, code in enumerate(codes)
    ]
    exceptions = [replace(e, village=str(e.village)) for e in result.exceptions]
    return IslandDivision(grids, exceptions)


def _village_grids(result: Division, code: str, houses: np.ndarray) -> list[GridPlan]:
    """A village's grids by serial; ``houses`` are its points in the engine's input."""
    assert result.grid_polygons is not None and result.unit_polygons is not None
    grids = [g for g, v in enumerate(result.grid_village) if v == code]
    plans = []
    for grid in sorted(grids, key=lambda g: result.grid_serial[g]):
        units = np.flatnonzero(result.unit_grid == grid)
        units = units[np.argsort(result.unit_serial[units])]
        unit_plans = [
            UnitPlan(
                int(result.unit_serial[unit]),
                result.unit_polygons[unit],
                houses[result.point_unit[houses] == unit] - houses[0],
            )
            for unit in units
        ]
        serial = int(result.grid_serial[grid])
        plans.append(GridPlan(serial, result.grid_polygons[grid], unit_plans))
    return plans
