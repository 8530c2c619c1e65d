"""Finding a division's exceptions: the parts that miss a constraint, each with its reason
(pure).

A reason says what is true of the part: one building over the maximum; the region it lies
in (its part of the village or grid once distance, barriers and buildings over the maximum
set it apart) holds households that cannot make parts within bounds; no division was found
(with the part counts tried), or, for a region of at most twelve places, none exists (every
division was checked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridgov.partition.constraints import Bounds, DivisionException
from gridgov.partition.division import Division
from gridgov.partition.graph import NeighbourGraph
from gridgov.partition.metrics import contiguous_parts
from gridgov.partition.regions import RegionSearch, region_labels
from gridgov.partition.sites import Sites

NOT_CONTIGUOUS = "not contiguous: it joins places with no neighbour link between them"


@dataclass
class SearchLog:
    """The searches of regions that missed at first, by (level, lowest site of the region)."""

    searches: dict[tuple[str, int], RegionSearch] = field(default_factory=dict)

    def record(
        self, level: str, regions: list[np.ndarray], searches: dict[int, RegionSearch]
    ) -> None:
        for index, search in searches.items():
            self.searches[(level, int(regions[index].min()))] = search


@dataclass(frozen=True)
class _Level:
    """What the reasons of one level (grid or unit) need to know."""

    name: str
    bounds: Bounds
    container: str  # what a region is a part of: "village" or "grid"
    site_part: np.ndarray
    region: np.ndarray  # region per site (-1: a block over the maximum)
    region_weight: np.ndarray
    region_first: np.ndarray  # lowest site of each region
    region_blocked: np.ndarray  # a region next to a building over the maximum
    log: SearchLog


def find_exceptions(
    division: Division,
    sites: Sites,
    graph: NeighbourGraph,
    site_grid: np.ndarray,
    site_unit: np.ndarray,
    grid_bounds: Bounds,
    unit_bounds: Bounds,
    log: SearchLog | None = None,
) -> list[DivisionException]:
    log = log or SearchLog()
    grids = _level("grid", grid_bounds, "village", sites.village, site_grid, sites, graph, log)
    units = _level("unit", unit_bounds, "grid", site_grid, site_unit, sites, graph, log)
    found = []
    for level, households, count in (
        (grids, division.grid_households, len(division.grid_serial)),
        (units, division.unit_households, len(division.unit_serial)),
    ):
        joined = contiguous_parts(graph, level.site_part, count)
        members = _members(level.site_part, count)
        for part, part_households in enumerate(households.tolist()):
            reasons = []
            if not level.bounds.contains(part_households):
                reasons.append(_size_reason(level, part_households, members[part], sites.weight))
            if not joined[part]:
                reasons.append(NOT_CONTIGUOUS)
            if reasons:
                found.append(_exception(division, level.name, part, part_households, reasons))
    return found


def _level(
    name: str,
    bounds: Bounds,
    container_name: str,
    container: np.ndarray,
    site_part: np.ndarray,
    sites: Sites,
    graph: NeighbourGraph,
    log: SearchLog,
) -> _Level:
    region = region_labels(graph, container, sites.weight, bounds)
    count = int(region.max()) + 1
    inside = region >= 0
    weight = np.bincount(region[inside], weights=sites.weight[inside], minlength=count)
    first = np.full(count, sites.count, dtype=np.int64)
    np.minimum.at(first, region[inside], np.flatnonzero(inside))
    rows = np.repeat(np.arange(graph.site_count), np.diff(graph.indptr))
    cols = graph.indices
    block = (sites.weight > bounds.high) & (container >= 0)
    touching = (region[rows] >= 0) & block[cols] & (container[rows] == container[cols])
    blocked = np.bincount(region[rows[touching]], minlength=count) > 0
    return _Level(name, bounds, container_name, site_part, region, weight, first, blocked, log)


def _members(labels: np.ndarray, count: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    cuts = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[cuts[i] : cuts[i + 1]] for i in range(count)]


def _exception(
    division: Division, level: str, part: int, households: int, reasons: list[str]
) -> DivisionException:
    grid = part if level == "grid" else int(division.unit_grid[part])
    return DivisionException(
        level,
        division.grid_village[grid],
        int(division.grid_serial[grid]),
        None if level == "grid" else int(division.unit_serial[part]),
        households,
        "; ".join(reasons),
    )


def _size_reason(level: _Level, households: int, part: np.ndarray, weight: np.ndarray) -> str:
    bounds, name = level.bounds, level.name
    limits = f"{bounds.low}-{bounds.high}"
    heaviest = float(weight[part].max())
    if heaviest > bounds.high:
        if len(part) == 1:
            return f"one building of {households} households, over the {name} maximum {bounds.high}"
        return (
            f"{households} households: one building holds {int(heaviest)}, "
            f"over the {name} maximum {bounds.high}"
        )
    region = int(level.region[part[0]])
    whole = float(level.region_weight[region])
    if not bounds.is_feasible(whole):
        where = (
            f"its part of the {level.container} beside buildings over the {name} maximum "
            "(which take nothing more)"
            if level.region_blocked[region]
            else f"an isolated part of the {level.container}"
        )
        return (
            f"{households} households: {where} has {int(whole)} households, which cannot "
            f"make {name}s of {limits}"
        )
    search = level.log.searches.get((name, int(level.region_first[region])))
    if search is not None and search.exhaustive is False:
        return (
            f"{households} households: no contiguous division of its {search.sites} places "
            f"into {name}s of {limits} exists (every division was checked)"
        )
    tried = ""
    if search is not None:
        tried = f" (tried {', '.join(str(c) for c in search.counts_tried)} {name}s)"
    return (
        f"{households} households: no contiguous division into {name}s of {limits} was found{tried}"
    )
