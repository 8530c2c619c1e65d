"""Divide villages' households into grids and grids into units (pure: arrays in, arrays out).

Constraints in priority order: (a) a grid lies in one village and a unit in one grid,
always; (b) every grid and unit is contiguous in the neighbour graph; (c) sizes are within
bounds. A village gets ``round(households / target)`` grids clamped to the feasible range,
spread over its separate pieces; each piece is split by contiguous recursive bisection
(most compact cut within bounds first, then sizes near the target). With a previous
division, every grid still within bounds is kept and only broken ones are redone
(``stability.py``). What cannot meet the bounds is listed as an exception with its reason.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.partition.bisection import Splitter
from gridgov.partition.constraints import GRID_BOUNDS, UNIT_BOUNDS, Bounds, DivisionException
from gridgov.partition.division import Division, PreviousDivision
from gridgov.partition.graph import DEFAULT_LINK_CAP_M, NeighbourGraph
from gridgov.partition.metrics import contiguous_parts
from gridgov.partition.numbering import assign_serials, successor_serials
from gridgov.partition.polygons import (
    join_split_parts,
    outside_points,
    union_by_label,
    voronoi_cells,
)
from gridgov.partition.projection import LocalFrame
from gridgov.partition.region_division import RegionDivider
from gridgov.partition.regions import OUTSIDE, members, region_labels
from gridgov.partition.report import SearchLog, find_exceptions
from gridgov.partition.sites import Sites, build_graph
from gridgov.partition.stability import FREE, RegionRepair


@dataclass
class _Work:
    """Shared state of one division run."""

    sites: Sites
    splitter: Splitter
    divider: RegionDivider
    grid_bounds: Bounds
    unit_bounds: Bounds
    previous_grid: np.ndarray | None  # per site
    previous_unit: np.ndarray | None
    grids: list[np.ndarray] = field(default_factory=list)
    grid_village: list[int] = field(default_factory=list)
    grid_serial: list[int] = field(default_factory=list)
    grid_kept: list[bool] = field(default_factory=list)
    grid_known: list[bool] = field(default_factory=list)  # kept or inheriting an old serial
    notes: list[DivisionException] = field(default_factory=list)
    searches: SearchLog = field(default_factory=SearchLog)

    @property
    def oversized_grids(self) -> np.ndarray:
        """Per grid: one site over the grid maximum (a block that is a grid of its own)."""
        high = self.grid_bounds.high
        return np.array(
            [len(part) == 1 and self.sites.weight[part[0]] > high for part in self.grids],
            dtype=bool,
        )


def divide(
    lon: np.ndarray,
    lat: np.ndarray,
    households: np.ndarray,
    village: Sequence[Hashable] | np.ndarray,
    *,
    grid_bounds: Bounds = GRID_BOUNDS,
    unit_bounds: Bounds = UNIT_BOUNDS,
    link_cap_m: float = DEFAULT_LINK_CAP_M,
    village_boundaries: Mapping[Hashable, BaseGeometry] | None = None,
    barriers: Sequence[BaseGeometry] = (),
    previous: PreviousDivision | None = None,
    with_polygons: bool = True,
) -> Division:
    """Divide points (WGS84, one or more households each) into grids and units."""
    households = np.asarray(households, dtype=float)
    if len(households) == 0:
        return _empty_division(village_boundaries)
    frame = LocalFrame.around(np.asarray(lon), np.asarray(lat))
    xy = frame.to_metres(lon, lat)
    villages, village_index = np.unique(np.asarray(village), return_inverse=True)
    priority = previous.grid_serial if previous is not None else np.zeros(len(xy))
    sites = Sites.build(xy, households, village_index.ravel(), np.asarray(priority))
    by_village = sites.of_village()
    projected = [_to_metres(barrier, frame) for barrier in barriers]
    _, working = build_graph(sites, by_village, projected, link_cap_m, grid_bounds)
    splitter = Splitter(working, sites.xy, sites.weight)
    work = _Work(
        sites,
        splitter,
        RegionDivider(splitter, sites.xy, sites.weight),
        grid_bounds,
        unit_bounds,
        *_previous_per_site(previous, sites),
    )
    if previous is None:
        _fresh_villages(work, by_village, villages)
        _renumber_fresh(work)
    else:
        for index, village_sites in enumerate(by_village):
            _redo_village(work, index, village_sites, villages[index], previous)
        movable = ~np.array(work.grid_kept, dtype=bool) & ~work.oversized_grids
        work.grids = work.divider.refined(work.grids, movable, None, grid_bounds, may_merge=False)
        _rematch_grid_serials(work, villages, previous)
    work.notes += _empty_villages(villages, village_boundaries)
    return _finish(work, villages, frame, previous, households, village_boundaries, with_polygons)


def _empty_division(village_boundaries: Mapping[Hashable, BaseGeometry] | None) -> Division:
    """No points: no grids, no units; every village outlined is reported as empty."""
    nothing = np.empty(0, dtype=np.int64)
    return Division(
        point_grid=nothing,
        point_unit=nothing,
        grid_village=[],
        grid_serial=nothing,
        grid_households=nothing,
        grid_kept=np.empty(0, dtype=bool),
        unit_grid=nothing,
        unit_serial=nothing,
        unit_households=nothing,
        exceptions=_empty_villages(np.array([]), village_boundaries),
        graph=NeighbourGraph.from_edges(0, np.empty((0, 2), dtype=np.int64)),
        point_site=nothing,
        grid_polygons=[],
        unit_polygons=[],
    )


def _empty_villages(
    villages: np.ndarray, village_boundaries: Mapping[Hashable, BaseGeometry] | None
) -> list[DivisionException]:
    """A village outlined but holding no points: reported, with nothing to divide."""
    present = set(villages.tolist())
    return [
        DivisionException("village", name, None, None, 0, "no households: nothing to divide")
        for name in (village_boundaries or {})
        if name not in present
    ]


def _to_metres(geometry: BaseGeometry, frame: LocalFrame) -> BaseGeometry:
    return shapely.transform(geometry, lambda lonlat: frame.to_metres(lonlat[:, 0], lonlat[:, 1]))


def _to_degrees(geometry: BaseGeometry | np.ndarray, frame: LocalFrame) -> BaseGeometry:
    return shapely.transform(geometry, frame.to_degrees)


def _previous_per_site(
    previous: PreviousDivision | None, sites: Sites
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if previous is None:
        return None, None
    representative = sites.representative
    return (
        np.asarray(previous.grid_serial)[representative].astype(np.int64),
        np.asarray(previous.unit_serial)[representative].astype(np.int64),
    )


def _fresh_villages(work: _Work, by_village: list[np.ndarray], villages: np.ndarray) -> None:
    """Blocks over the maximum stand alone; every village's regions split in one batch.

    A village's grid count follows from the households of its regions (its blocks over the
    maximum left out), spread over the regions by ``allocate_counts``.
    """
    bounds, weight = work.grid_bounds, work.sites.weight
    region = region_labels(work.splitter.graph, work.sites.village, weight, bounds)
    regions = members(region, int(region.max()) + 1)
    region_village = np.array([work.sites.village[r[0]] for r in regions], dtype=np.int64)
    counts = [0] * len(regions)
    for index in range(len(by_village)):
        of_village = np.flatnonzero(region_village == index).tolist()
        weights = [float(weight[regions[r]].sum()) for r in of_village]
        if not weights:
            continue
        wanted = bounds.part_count(sum(weights))
        village_counts = allocate_counts(wanted, weights, bounds)
        for r, count in zip(of_village, village_counts, strict=True):
            counts[r] = count
        if sum(village_counts) != wanted:
            work.notes.append(_count_note(villages[index], weights, village_counts, wanted))
    parts = work.divider.divide(regions, counts, bounds, None, may_merge=False)
    searches = work.divider.settle(regions, parts, counts, bounds, None, may_merge=False)
    work.searches.record("grid", regions, searches)
    oversized = np.flatnonzero(weight > bounds.high)
    for index in range(len(by_village)):
        blocks = [
            oversized[i : i + 1] for i in np.flatnonzero(work.sites.village[oversized] == index)
        ]
        own = [p for r in np.flatnonzero(region_village == index).tolist() for p in parts[r]]
        grids = blocks + own
        _add_grids(work, index, grids, [None] * len(grids), ())


def _count_note(
    village: Hashable, weights: list[float], counts: list[int], wanted: int
) -> DivisionException:
    return DivisionException(
        "village",
        village,
        None,
        None,
        int(sum(weights)),
        f"{sum(counts)} grids instead of {wanted}: the village falls into {len(weights)} "
        "separate parts (further apart than the distance cap, cut by barriers or by buildings "
        "over the grid maximum) that each need their own grids",
    )


def _renumber_fresh(work: _Work) -> None:
    """Serials in reading order of the grids' final shapes (refinement moved them a little)."""
    centres = _centres(work.sites, work.grids)
    village = np.array(work.grid_village)
    serial = np.array(work.grid_serial)
    for index in np.unique(village).tolist():
        grids = np.flatnonzero(village == index)
        serial[grids] = assign_serials(centres[grids], [None] * len(grids))
    work.grid_serial = serial.tolist()


def allocate_counts(wanted: int, weights: list[float], bounds: Bounds) -> list[int]:
    """Grids per piece: each piece's feasible minimum, the rest where parts are biggest.

    A piece that cannot meet the bounds at all gets ``round(h / target)`` (at least one).
    """
    counts, ceilings = [], []
    for weight in weights:
        fewest, most = bounds.count_range(weight)
        if fewest > most:
            fewest = most = max(1, round(weight / bounds.target))
        counts.append(fewest)
        ceilings.append(most)
    heap = [(-w / c, i) for i, (w, c) in enumerate(zip(weights, counts, strict=True))]
    heapq.heapify(heap)
    while sum(counts) < wanted and heap:
        _, index = heapq.heappop(heap)
        if counts[index] < ceilings[index]:
            counts[index] += 1
            heapq.heappush(heap, (-weights[index] / counts[index], index))
    return counts


def _redo_village(
    work: _Work, index: int, village_sites: np.ndarray, name: Hashable, previous: PreviousDivision
) -> None:
    assert work.previous_grid is not None  # a village is redone against a previous division
    old = work.previous_grid[village_sites]
    locked = {serial for village, serial in previous.locked if village == name}
    repair = RegionRepair(work.splitter, village_sites, old, locked, work.grid_bounds)
    labels, new_parts = repair.run()
    kept_labels = sorted(set(labels[labels >= 0].tolist()))
    parts = [village_sites[labels == label] for label in kept_labels]
    _add_grids(
        work, index, parts + new_parts, [*kept_labels] + [None] * len(new_parts), (), len(parts)
    )


def _rematch_grid_serials(work: _Work, villages: np.ndarray, previous: PreviousDivision) -> None:
    """Serials of the grids made anew, now that their shapes are final: each keeps the earlier
    serial it shares most households with (``successor_serials``), else takes a new one."""
    assert work.previous_grid is not None
    village = np.array(work.grid_village, dtype=np.int64)
    kept = np.array(work.grid_kept, dtype=bool)
    serial = np.array(work.grid_serial, dtype=np.int64)
    known = np.array(work.grid_known, dtype=bool)
    site_grid = np.full(work.sites.count, -1, dtype=np.int64)
    for grid, part in enumerate(work.grids):
        site_grid[part] = grid
    for index in np.unique(village).tolist():
        grids = np.flatnonzero((village == index) & ~kept)
        if len(grids) == 0:
            continue
        local = np.full(len(work.grids), -1, dtype=np.int64)
        local[grids] = np.arange(len(grids))
        held = serial[(village == index) & kept].tolist()
        part_of = np.where(site_grid >= 0, local[site_grid], -1)
        matched = successor_serials(
            part_of, work.previous_grid, work.sites.weight, len(grids), held
        )
        name = villages[index]
        old = work.previous_grid[work.sites.village == index]
        used = set(previous.used_grid_serials.get(name, ())) | set(old[old >= 0].tolist())
        centres = _centres(work.sites, [work.grids[g] for g in grids.tolist()])
        serial[grids] = assign_serials(centres, matched, used | set(held))
        known[grids] = [m is not None for m in matched]
    work.grid_serial = serial.tolist()
    work.grid_known = known.tolist()


def _add_grids(
    work: _Work,
    village: int,
    parts: list[np.ndarray],
    kept: list[int | None],
    used: Iterable[int],
    untouched: int = 0,
) -> None:
    """Record a village's grids; the first ``untouched`` are earlier grids kept as they were."""
    centres = _centres(work.sites, parts)
    serials = assign_serials(centres, kept, used)
    work.grids += parts
    work.grid_village += [village] * len(parts)
    work.grid_serial += serials.tolist()
    work.grid_kept += [index < untouched for index in range(len(parts))]
    work.grid_known += [serial is not None for serial in kept]


def _centres(sites: Sites, parts: list[np.ndarray]) -> np.ndarray:
    """Household-weighted centre of each part, (n, 2) metres."""
    if not parts:
        return np.empty((0, 2))
    members = np.concatenate(parts)
    part_of = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
    weight = np.maximum(sites.weight[members], 1e-9)
    total = np.bincount(part_of, weights=weight, minlength=len(parts))
    return np.column_stack(
        [
            np.bincount(part_of, weights=weight * sites.xy[members, axis], minlength=len(parts))
            / np.maximum(total, 1e-9)
            for axis in (0, 1)
        ]
    )


def _all_units(work: _Work) -> list[tuple[list[np.ndarray], np.ndarray]]:
    """Units of every grid (site arrays) with their serials: kept ones repaired, others fresh."""
    result: dict[int, tuple[list[np.ndarray], np.ndarray]] = {}
    fresh = []
    sound = _sound_old_units(work)
    for grid in range(len(work.grids)):
        old = _old_units(work, grid)
        if old is None or not (old >= 0).any():
            fresh.append(grid)
        elif sound[grid]:  # every unit as it was, within bounds and contiguous
            labels = sorted(set(old.tolist()))
            units = [work.grids[grid][old == label] for label in labels]
            result[grid] = (units, np.array(labels, dtype=np.int64))
        else:
            result[grid] = _repair_units(work, grid, old)
    fresh_units = _fresh_units(work, fresh)
    all_centres = _centres(work.sites, [unit for units in fresh_units for unit in units])
    first = np.cumsum([0, *[len(units) for units in fresh_units]])
    for index, (grid, units) in enumerate(zip(fresh, fresh_units, strict=True)):
        centres = all_centres[first[index] : first[index + 1]]
        result[grid] = (units, assign_serials(centres, [None] * len(units)))
    return [result[grid] for grid in range(len(work.grids))]


def _fresh_units(work: _Work, grids: list[int]) -> list[list[np.ndarray]]:
    """Units of ``grids`` made afresh: a block over the unit maximum is a unit of its own; the
    rest of each grid falls into regions, each divided by its own households."""
    bounds, weight = work.unit_bounds, work.sites.weight
    container = np.full(work.sites.count, -1, dtype=np.int64)
    for grid in grids:
        container[work.grids[grid]] = grid
    region = region_labels(work.splitter.graph, container, weight, bounds)
    regions = members(region, int(region.max()) + 1)
    counts = [bounds.part_count(float(weight[r].sum())) for r in regions]
    parts = work.divider.divide(regions, counts, bounds, region, may_merge=True)
    searches = work.divider.settle(regions, parts, counts, bounds, region, may_merge=True)
    work.searches.record("unit", regions, searches)
    units: dict[int, list[np.ndarray]] = {grid: [] for grid in grids}
    for site in np.flatnonzero((container >= 0) & (region == OUTSIDE)).tolist():
        units[int(container[site])].append(np.array([site]))
    for r, region_sites in enumerate(regions):
        units[int(container[region_sites[0]])] += parts[r]
    return [units[grid] for grid in grids]


def _repair_units(work: _Work, grid: int, old: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    part = work.grids[grid]
    labels, new_units = RegionRepair(work.splitter, part, old, set(), work.unit_bounds).run()
    kept_labels = sorted(set(labels[labels >= 0].tolist()))
    units = [part[labels == label] for label in kept_labels]
    unit_of = np.full(work.sites.count, -1, dtype=np.int64)
    for index, unit in enumerate(new_units):
        unit_of[unit] = index
    old_serial = np.full(work.sites.count, -1, dtype=np.int64)
    old_serial[part] = old
    inherited = successor_serials(
        unit_of, old_serial, work.sites.weight, len(new_units), kept_labels
    )
    units += new_units
    centres = _centres(work.sites, units)
    used = set(old[old >= 0].tolist())
    return units, assign_serials(centres, [*kept_labels, *inherited], used)


def _sound_old_units(work: _Work) -> np.ndarray:
    """Per grid: all its sites were in it before and its old units still hold (one pass)."""
    if work.previous_grid is None or work.previous_unit is None:
        return np.zeros(len(work.grids), dtype=bool)
    site_grid = np.full(work.sites.count, -1, dtype=np.int64)
    for grid, part in enumerate(work.grids):
        site_grid[part] = grid
    serial = np.array(work.grid_serial, dtype=np.int64)[site_grid]
    known = np.array(work.grid_known, dtype=bool)[site_grid]
    same = known & (work.previous_grid == serial) & (work.previous_unit >= 0)
    grid_count = len(work.grids)
    whole = np.bincount(site_grid, weights=~same, minlength=grid_count) == 0
    # units numbered per site as (grid, old unit serial); sites of broken grids share a dummy
    key = np.where(same, site_grid * (int(work.previous_unit.max()) + 2) + work.previous_unit, -1)
    units, unit_of = np.unique(key, return_inverse=True)
    unit_of = unit_of.ravel()
    joined = contiguous_parts(work.splitter.graph, unit_of, len(units))
    weight = np.bincount(unit_of, weights=work.sites.weight, minlength=len(units))
    bounds = work.unit_bounds
    fits = joined & (weight >= bounds.low) & (weight <= bounds.high)
    unit_fits = fits[unit_of] | ~same
    return whole & (np.bincount(site_grid, weights=~unit_fits, minlength=grid_count) == 0)


def _old_units(work: _Work, grid: int) -> np.ndarray | None:
    """Previous unit serials of the grid's sites that were in this same grid, else FREE."""
    if work.previous_grid is None or work.previous_unit is None or not work.grid_known[grid]:
        return None
    part = work.grids[grid]
    same_grid = work.previous_grid[part] == work.grid_serial[grid]
    return np.where(same_grid, work.previous_unit[part], FREE)


def _finish(
    work: _Work,
    villages: np.ndarray,
    frame: LocalFrame,
    previous: PreviousDivision | None,
    households: np.ndarray,
    village_boundaries: Mapping[Hashable, BaseGeometry] | None,
    with_polygons: bool,
) -> Division:
    sites = work.sites
    site_grid = np.empty(sites.count, dtype=np.int64)
    site_unit = np.empty(sites.count, dtype=np.int64)
    unit_grid: list[int] = []
    unit_serial: list[int] = []
    unit_households: list[float] = []
    for grid, (units, serials) in enumerate(_all_units(work)):
        site_grid[work.grids[grid]] = grid
        for unit, serial in zip(units, serials.tolist(), strict=True):
            site_unit[unit] = len(unit_grid)
            unit_grid.append(grid)
            unit_serial.append(serial)
            unit_households.append(sites.weight[unit].sum())
    grid_households = np.array([sites.weight[p].sum() for p in work.grids])
    division = Division(
        point_grid=site_grid[sites.of_point],
        point_unit=site_unit[sites.of_point],
        grid_village=[villages[v] for v in work.grid_village],
        grid_serial=np.array(work.grid_serial, dtype=np.int64),
        grid_households=grid_households.astype(np.int64),
        grid_kept=np.array(work.grid_kept, dtype=bool),
        unit_grid=np.array(unit_grid, dtype=np.int64),
        unit_serial=np.array(unit_serial, dtype=np.int64),
        unit_households=np.array(unit_households).astype(np.int64),
        exceptions=[],
        graph=work.splitter.graph,
        point_site=sites.of_point,
    )
    division.exceptions = work.notes + find_exceptions(
        division,
        sites,
        work.splitter.graph,
        site_grid,
        site_unit,
        work.grid_bounds,
        work.unit_bounds,
        work.searches,
    )
    boundaries = _boundaries_in_metres(villages, frame, village_boundaries)
    outside = outside_points(sites.xy, sites.village, boundaries)
    division.exceptions += _outside_exceptions(division, outside, sites, site_unit)
    if previous is not None:
        _count_moves(division, previous, households)
    if with_polygons:
        _add_polygons(division, sites, site_grid, site_unit, frame, boundaries, outside)
    return division


def _boundaries_in_metres(
    villages: np.ndarray,
    frame: LocalFrame,
    village_boundaries: Mapping[Hashable, BaseGeometry] | None,
) -> dict[int, BaseGeometry]:
    return {
        index: _to_metres(village_boundaries[name], frame)
        for index, name in enumerate(villages.tolist())
        if village_boundaries and name in village_boundaries
    }


def _outside_exceptions(
    division: Division, outside: np.ndarray, sites: Sites, site_unit: np.ndarray
) -> list[DivisionException]:
    """One exception per unit holding points outside their village's boundary polygon.

    They keep their grid and unit (a household is placed by its record, not by a polygon).
    """
    if not outside.any():
        return []
    units = site_unit[outside]
    households = np.bincount(units, weights=sites.weight[outside])
    places = np.bincount(units)
    found = []
    for unit in np.unique(units).tolist():
        grid = int(division.unit_grid[unit])
        found.append(
            DivisionException(
                "point",
                division.grid_village[grid],
                int(division.grid_serial[grid]),
                int(division.unit_serial[unit]),
                int(households[unit]),
                f"{int(households[unit])} households at {int(places[unit])} places outside the "
                "village boundary: they keep this grid and unit",
            )
        )
    return found


def _count_moves(division: Division, previous: PreviousDivision, households: np.ndarray) -> None:
    """Households present before and now: whose grid (or unit) code changed, and who changed
    grid (earlier and new grids matched by most shared households, as ``successor_serials``
    matches them; a household of a grid matched to its predecessor did not change grid)."""
    old_grid, old_unit = np.asarray(previous.grid_serial), np.asarray(previous.unit_serial)
    grid_serial = division.grid_serial[division.point_grid]
    unit_serial = division.unit_serial[division.point_unit]
    moved_grid = (old_grid >= 0) & (old_grid != grid_serial)
    moved_unit = (old_grid >= 0) & (moved_grid | (old_unit != unit_serial))
    division.households_moved_grid = int(households[moved_grid].sum())
    division.households_moved_unit = int(households[moved_unit].sum())
    village = np.unique(np.asarray(division.grid_village, dtype=object), return_inverse=True)[1]
    point_village = np.asarray(village).ravel()[division.point_grid]
    stayed = old_grid >= 0
    # an earlier grid is (village, serial): one number per pair
    old_key = np.where(stayed, point_village * (int(old_grid.max(initial=0)) + 1) + old_grid, -1)
    matched = successor_serials(division.point_grid, old_key, households, len(division.grid_serial))
    keeps = np.array([-1 if m is None else m for m in matched], dtype=np.int64)
    same = stayed & (keeps[division.point_grid] == old_key)
    division.households_changed_grid = int(households[stayed & ~same].sum())


def _add_polygons(
    division: Division,
    sites: Sites,
    site_grid: np.ndarray,
    site_unit: np.ndarray,
    frame: LocalFrame,
    boundaries: dict[int, BaseGeometry],
    outside: np.ndarray,
) -> None:
    cells = voronoi_cells(sites.xy, sites.village, boundaries)
    units = np.array(union_by_label(cells, site_unit, len(division.unit_serial)), dtype=object)
    grids = np.array(
        union_by_label(units, division.unit_grid, len(division.grid_serial)), dtype=object
    )
    graph = division.graph
    assert graph is not None
    edges = np.column_stack(
        [np.repeat(np.arange(graph.site_count), np.diff(graph.indptr)), graph.indices]
    )
    edges = edges[(edges[:, 0] < edges[:, 1]) & ~outside[edges].any(axis=1)]
    grids = join_split_parts(grids, cells, site_grid, sites.xy, edges)
    units = join_split_parts(units, cells, site_unit, sites.xy, edges)
    division.grid_polygons = list(_to_degrees(grids, frame))
    division.unit_polygons = list(_to_degrees(units, frame))
