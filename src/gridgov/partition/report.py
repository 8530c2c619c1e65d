"""Finding a division's exceptions: the parts that miss a constraint, each with its reason
(pure)."""

from __future__ import annotations

import numpy as np

from gridgov.partition.constraints import Bounds, DivisionException
from gridgov.partition.division import Division
from gridgov.partition.graph import NeighbourGraph
from gridgov.partition.metrics import contiguous_parts
from gridgov.partition.sites import Sites


def find_exceptions(
    division: Division,
    sites: Sites,
    graph: NeighbourGraph,
    site_grid: np.ndarray,
    site_unit: np.ndarray,
    grid_bounds: Bounds,
    unit_bounds: Bounds,
) -> list[DivisionException]:
    piece = graph.components()
    piece_weight = np.bincount(piece, weights=sites.weight)
    heaviest_in_grid = np.zeros(len(division.grid_serial))
    np.maximum.at(heaviest_in_grid, site_grid, sites.weight)
    heaviest_in_unit = np.zeros(len(division.unit_serial))
    np.maximum.at(heaviest_in_unit, site_unit, sites.weight)
    grid_piece_weight = np.zeros(len(division.grid_serial))
    np.maximum.at(grid_piece_weight, site_grid, piece_weight[piece])
    found = _grid_exceptions(
        division, graph, site_grid, grid_bounds, heaviest_in_grid, grid_piece_weight
    )
    found += _unit_exceptions(division, graph, site_unit, unit_bounds, heaviest_in_unit)
    return found


def _grid_exceptions(
    division: Division,
    graph: NeighbourGraph,
    site_grid: np.ndarray,
    bounds: Bounds,
    heaviest: np.ndarray,
    piece_weight: np.ndarray,
) -> list[DivisionException]:
    joined = contiguous_parts(graph, site_grid, len(division.grid_serial))
    found = []
    for grid, households in enumerate(division.grid_households.tolist()):
        reasons = []
        if not bounds.contains(households):
            reasons.append(
                _size_reason("grid", households, bounds, heaviest[grid], piece_weight[grid])
            )
        if not joined[grid]:
            reasons.append("not contiguous: it joins places with no neighbour link between them")
        if reasons:
            found.append(
                DivisionException(
                    "grid",
                    division.grid_village[grid],
                    int(division.grid_serial[grid]),
                    None,
                    households,
                    "; ".join(reasons),
                )
            )
    return found


def _unit_exceptions(
    division: Division,
    graph: NeighbourGraph,
    site_unit: np.ndarray,
    bounds: Bounds,
    heaviest: np.ndarray,
) -> list[DivisionException]:
    joined = contiguous_parts(graph, site_unit, len(division.unit_serial))
    found = []
    for unit, households in enumerate(division.unit_households.tolist()):
        grid = int(division.unit_grid[unit])
        reasons = []
        if not bounds.contains(households):
            grid_households = division.grid_households[grid]
            reasons.append(
                _size_reason("unit", households, bounds, heaviest[unit], grid_households)
            )
        if not joined[unit]:
            reasons.append("not contiguous: it joins places with no neighbour link between them")
        if reasons:
            found.append(
                DivisionException(
                    "unit",
                    division.grid_village[grid],
                    int(division.grid_serial[grid]),
                    int(division.unit_serial[unit]),
                    households,
                    "; ".join(reasons),
                )
            )
    return found


def _size_reason(level: str, households: int, bounds: Bounds, heaviest: float, whole: float) -> str:
    limits = f"{bounds.low}-{bounds.high}"
    if heaviest > bounds.high:
        return (
            f"{households} households: one indivisible point holds {int(heaviest)}, "
            f"over the {level} maximum {bounds.high}"
        )
    if not bounds.is_feasible(whole):
        container = "an isolated part of the village" if level == "grid" else "its grid"
        return (
            f"{households} households: {container} has {int(whole)} households, "
            f"which cannot make {level}s of {limits}"
        )
    return f"{households} households: no contiguous division into {level}s of {limits} was found"
