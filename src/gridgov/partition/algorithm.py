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
from gridgov.partition.numbering import assign_serials
from gridgov.partition.polygons import union_by_label, voronoi_cells
from gridgov.partition.projection import LocalFrame
from gridgov.partition.refine import refine, resplit_misfits, split_in_two_by_growth
from gridgov.partition.report import find_exceptions
from gridgov.partition.sites import Sites, build_graph
from gridgov.partition.stability import FREE, RegionRepair, inherit_labels


@dataclass
class _Work:
    """Shared state of one division run."""

    sites: Sites
    splitter: Splitter
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
    adjacency: list[list[int]] | None = None


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
    frame = LocalFrame.around(np.asarray(lon), np.asarray(lat))
    xy = frame.to_metres(lon, lat)
    villages, village_index = np.unique(np.asarray(village), return_inverse=True)
    priority = previous.grid_serial if previous is not None else np.zeros(len(xy))
    sites = Sites.build(xy, households, village_index.ravel(), np.asarray(priority))
    by_village = sites.of_village()
    projected = [_to_metres(barrier, frame) for barrier in barriers]
    _, working = build_graph(sites, by_village, projected, link_cap_m, grid_bounds)
    work = _Work(
        sites,
        Splitter(working, sites.xy, sites.weight),
        grid_bounds,
        unit_bounds,
        *_previous_per_site(previous, sites),
    )
    if previous is None:
        _fresh_villages(work, by_village, villages)
    else:
        for index, village_sites in enumerate(by_village):
            _redo_village(work, index, village_sites, villages[index], previous)
    work.grids = _refined(
        work, work.grids, ~np.array(work.grid_kept, dtype=bool), None, grid_bounds
    )
    if previous is None:
        _renumber_fresh(work)
    return _finish(work, villages, frame, previous, households, village_boundaries, with_polygons)


def _refined(
    work: _Work,
    parts: list[np.ndarray],
    movable: np.ndarray,
    container: np.ndarray | None,
    bounds: Bounds,
) -> list[np.ndarray]:
    """``parts`` after compactness moves among the movable ones (inside their container)."""
    if not movable.any():
        return parts
    labels = np.full(work.sites.count, -1, dtype=np.int64)
    for index, part in enumerate(parts):
        labels[part] = index
    if work.adjacency is None:
        work.adjacency = work.splitter.graph.adjacency_lists()
    inside = labels >= 0
    edges = work.splitter.edges[inside[work.splitter.edges].all(axis=1)]
    capped = np.minimum(work.sites.weight, bounds.high)  # an oversized block: one full part
    labels = np.where(inside, labels, len(parts))
    movable = np.r_[movable, False]
    labels = refine(
        labels,
        work.sites.xy,
        capped,
        edges,
        work.adjacency,
        bounds,
        movable=movable,
        same=container,
    )
    labels = resplit_misfits(
        labels, capped, work.adjacency, bounds, movable, container,
        lambda sites: _split_in_two(work, sites, capped, bounds),
        may_merge=container is not None,  # units may merge; grids keep their count
    )  # fmt: skip
    order = np.argsort(labels, kind="stable")
    cuts = np.searchsorted(labels[order], np.arange(len(parts) + 1))
    return [order[cuts[i] : cuts[i + 1]] for i in range(len(parts))]


def _split_in_two(
    work: _Work, sites: np.ndarray, capped: np.ndarray, bounds: Bounds
) -> list[np.ndarray]:
    """Two halves within bounds: the bisection's cut, else one grown from the border."""
    halves = work.splitter.split(sites, 2, bounds)
    if all(bounds.contains(float(capped[half].sum())) for half in halves):
        return halves
    assert work.adjacency is not None
    return split_in_two_by_growth(sites, work.sites.xy, capped, work.adjacency, bounds)


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
    """Grid counts per village spread over its pieces; every piece split in one batch."""
    pieces, counts, owner = [], [], []
    for index, village_sites in enumerate(by_village):
        village_pieces = _pieces(work.splitter.graph, village_sites)
        weights = [float(work.sites.weight[piece].sum()) for piece in village_pieces]
        wanted = work.grid_bounds.part_count(sum(weights))
        village_counts = allocate_counts(wanted, weights, work.grid_bounds)
        if sum(village_counts) != wanted:
            work.notes.append(
                DivisionException(
                    "village",
                    villages[index],
                    None,
                    None,
                    int(sum(weights)),
                    f"{sum(village_counts)} grids instead of {wanted}: the village falls into "
                    f"{len(village_pieces)} separate parts (further apart than the distance "
                    "cap or cut by barriers) that each need their own grids",
                )
            )
        pieces += village_pieces
        counts += village_counts
        owner += [index] * len(village_pieces)
    parts_of_piece = work.splitter.split_sets(pieces, counts, work.grid_bounds)
    for index in range(len(by_village)):
        parts = [p for o, ps in zip(owner, parts_of_piece, strict=True) if o == index for p in ps]
        _add_grids(work, index, parts, [None] * len(parts), ())


def _renumber_fresh(work: _Work) -> None:
    """Serials in reading order of the grids' final shapes (refinement moved them a little)."""
    centres = _centres(work.sites, work.grids)
    village = np.array(work.grid_village)
    serial = np.array(work.grid_serial)
    for index in np.unique(village).tolist():
        grids = np.flatnonzero(village == index)
        serial[grids] = assign_serials(centres[grids], [None] * len(grids))
    work.grid_serial = serial.tolist()


def _pieces(graph: NeighbourGraph, village_sites: np.ndarray) -> list[np.ndarray]:
    """The connected pieces of a village, largest first."""
    labels = graph.components(village_sites)
    pieces = [village_sites[labels == label] for label in range(int(labels.max()) + 1)]
    return sorted(pieces, key=len, reverse=True)


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
    old_of_site = dict(zip(village_sites.tolist(), old.tolist(), strict=True))
    inherited = inherit_labels(new_parts, old_of_site, set(kept_labels), work.sites.weight)
    used = set(previous.used_grid_serials.get(name, ())) | set(old[old >= 0].tolist())
    _add_grids(work, index, parts + new_parts, [*kept_labels, *inherited], used, len(parts))


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
    bounds, weight = work.unit_bounds, work.sites.weight
    counts = [bounds.part_count(_capped_sum(weight[work.grids[g]], bounds)) for g in fresh]
    fresh_units = work.splitter.split_sets([work.grids[g] for g in fresh], counts, bounds)
    flat = [unit for units in fresh_units for unit in units]
    container = np.full(work.sites.count, -1, dtype=np.int64)
    for grid in fresh:
        container[work.grids[grid]] = grid
    flat = _refined(work, flat, np.ones(len(flat), dtype=bool), container, bounds)
    starts = np.cumsum([0, *[len(units) for units in fresh_units]])
    fresh_units = [  # a unit merged into its neighbour leaves an empty place
        [unit for unit in flat[starts[i] : starts[i + 1]] if len(unit)] for i in range(len(fresh))
    ]
    all_centres = _centres(work.sites, [unit for units in fresh_units for unit in units])
    first = np.cumsum([0, *[len(units) for units in fresh_units]])
    for index, (grid, units) in enumerate(zip(fresh, fresh_units, strict=True)):
        centres = all_centres[first[index] : first[index + 1]]
        result[grid] = (units, assign_serials(centres, [None] * len(units)))
    return [result[grid] for grid in range(len(work.grids))]


def _capped_sum(weight: np.ndarray, bounds: Bounds) -> float:
    """Households counted with an oversized indivisible point as one full part."""
    return float(np.minimum(weight, bounds.high).sum())


def _repair_units(work: _Work, grid: int, old: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    part = work.grids[grid]
    labels, new_units = RegionRepair(work.splitter, part, old, set(), work.unit_bounds).run()
    kept_labels = sorted(set(labels[labels >= 0].tolist()))
    units = [part[labels == label] for label in kept_labels]
    old_of_site = dict(zip(part.tolist(), old.tolist(), strict=True))
    inherited = inherit_labels(new_units, old_of_site, set(kept_labels), work.sites.weight)
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
    )
    if previous is not None:
        _count_moves(division, previous, households)
    if with_polygons:
        _add_polygons(division, sites, site_grid, site_unit, villages, frame, village_boundaries)
    return division


def _count_moves(division: Division, previous: PreviousDivision, households: np.ndarray) -> None:
    """Households present before and now whose grid (or unit) serial changed."""
    old_grid, old_unit = np.asarray(previous.grid_serial), np.asarray(previous.unit_serial)
    grid_serial = division.grid_serial[division.point_grid]
    unit_serial = division.unit_serial[division.point_unit]
    moved_grid = (old_grid >= 0) & (old_grid != grid_serial)
    moved_unit = (old_grid >= 0) & (moved_grid | (old_unit != unit_serial))
    division.households_moved_grid = int(households[moved_grid].sum())
    division.households_moved_unit = int(households[moved_unit].sum())


def _add_polygons(
    division: Division,
    sites: Sites,
    site_grid: np.ndarray,
    site_unit: np.ndarray,
    villages: np.ndarray,
    frame: LocalFrame,
    village_boundaries: Mapping[Hashable, BaseGeometry] | None,
) -> None:
    boundaries = {
        index: _to_metres(village_boundaries[name], frame)
        for index, name in enumerate(villages.tolist())
        if village_boundaries and name in village_boundaries
    }
    cells = voronoi_cells(sites.xy, sites.village, boundaries)
    units = np.array(union_by_label(cells, site_unit, len(division.unit_serial)), dtype=object)
    grids = np.array(
        union_by_label(units, division.unit_grid, len(division.grid_serial)), dtype=object
    )
    division.grid_polygons = list(_to_degrees(grids, frame))
    division.unit_polygons = list(_to_degrees(units, frame))
