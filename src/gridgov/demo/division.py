"""A simple grid and unit division of a village's households (pure; numpy and shapely).

A stand-in until the real grid-division engine exists: households are cut into rows
north to south and, within a row, into parts west to east, so parts are compact and
numbered the way the codes are (west to east, north to south). Grids never cross their
village, units never cross their grid.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

HOUSEHOLDS_PER_GRID = 36.3  # Meizhou: ~10,500 households / 289 grids
HOUSEHOLDS_PER_UNIT = 6.36  # Meizhou: ~10,500 households / 1,650 units
GRID_SIZE_BOUNDS = (25, 45)
UNIT_SIZE_BOUNDS = (4, 8)


def grid_sizes(household_count: int, rng: np.random.Generator) -> list[int]:
    """Household counts of a village's grids: near the target, varied, within bounds."""
    grid_count = max(1, round(household_count / HOUSEHOLDS_PER_GRID))
    weights = rng.uniform(0.85, 1.15, grid_count)
    sizes = _largest_remainder(household_count, weights)
    low, high = GRID_SIZE_BOUNDS
    if low * grid_count <= household_count <= high * grid_count:
        sizes = _pull_into_bounds(sizes, low, high)
    return sizes


def unit_sizes(grid_household_count: int) -> list[int]:
    """Household counts of a grid's units: as even as possible, ~6 each."""
    unit_count = max(1, round(grid_household_count / HOUSEHOLDS_PER_UNIT))
    return _largest_remainder(grid_household_count, np.ones(unit_count))


def _largest_remainder(total: int, weights: np.ndarray) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (summing to ``total``)."""
    exact = total * weights / weights.sum()
    sizes = np.floor(exact).astype(int)
    short = total - int(sizes.sum())
    sizes[np.argsort(-(exact - sizes), kind="stable")[:short]] += 1
    return sizes.tolist()


def _pull_into_bounds(sizes: list[int], low: int, high: int) -> list[int]:
    sizes = list(sizes)
    while max(sizes) > high or min(sizes) < low:
        if max(sizes) > high:
            sizes[sizes.index(max(sizes))] -= 1
            sizes[sizes.index(min(sizes))] += 1
        else:
            sizes[sizes.index(min(sizes))] += 1
            sizes[sizes.index(max(sizes))] -= 1
    return sizes


def split_in_rows(xy: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Indices of ``xy`` cut into parts of ``sizes``: rows north to south, west to east in a row.

    The number of rows follows the points' extent, so parts come out roughly square.
    """
    part_count = len(sizes)
    width, height = np.ptp(xy[:, 0]) + 1.0, np.ptp(xy[:, 1]) + 1.0
    row_count = min(part_count, max(1, round(math.sqrt(part_count * height / width))))
    parts_per_row = _largest_remainder(part_count, np.ones(row_count))
    north_first = np.lexsort((xy[:, 0], -xy[:, 1]))
    parts: list[np.ndarray] = []
    start, part_index = 0, 0
    for row_parts in parts_per_row:
        row_sizes = sizes[part_index : part_index + row_parts]
        row = north_first[start : start + sum(row_sizes)]
        west_first = row[np.lexsort((-xy[row, 1], xy[row, 0]))]
        offsets = np.cumsum([0, *row_sizes])
        parts += [west_first[offsets[i] : offsets[i + 1]] for i in range(row_parts)]
        start += sum(row_sizes)
        part_index += row_parts
    return parts


def divide_village(xy: np.ndarray, rng: np.random.Generator) -> list[list[np.ndarray]]:
    """Grids of a village, each a list of its units, each an array of household indices."""
    grids = split_in_rows(xy, grid_sizes(len(xy), rng))
    return [
        [grid[unit] for unit in split_in_rows(xy[grid], unit_sizes(len(grid)))] for grid in grids
    ]


def household_cells(xy: np.ndarray, village: BaseGeometry) -> np.ndarray:
    """Each household's Voronoi cell, clipped to its village (same order as ``xy``).

    Unions of cells give grid and unit boundaries that tile the village exactly.
    """
    points = shapely.multipoints(xy)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(points, extend_to=village.envelope.buffer(100), ordered=True)
    )
    return shapely.intersection(cells, village)


def area_of(cells: np.ndarray, indices: np.ndarray) -> BaseGeometry:
    """The union of some households' cells: the boundary of their grid or unit."""
    return shapely.union_all(cells[indices])
