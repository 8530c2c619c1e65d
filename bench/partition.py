"""Grid division benchmark: gridgov's engine against pymetis, KaHIP, bisection and max-p.

    python bench/partition.py                       # the demo island (10,500 households)
    python bench/partition.py --size county-seat    # 20,000 households, a third in blocks
    python bench/partition.py --size town           # 100,000 households in 30 villages
    python bench/partition.py --size prefecture     # 1,000,000 households in 300 villages
    python bench/partition.py --methods gridgov,pymetis --spopt-cap 60
    python bench/partition.py --real houses.geojson  # your own points (see load_real)

Every method runs in a process of its own (peak memory: that process's peak resident set
up to the end of the timed division, territory included) on the same seeded territory and
the same neighbour graph; each divides villages into grids and
grids into units with the target counts, and its grid polygons are built the same way
(unions of Voronoi cells clipped to the village). Then the territory changes by 5% (3% new
households in new clusters, 1% leave, 1% move) and the method divides it again: gridgov
re-divides from its previous division, the others start afresh; "moved" counts households
that stayed put but now sit in another grid (grids matched by largest overlap). Columns:
grids against the target count (round(h/36) clamped, per village) and the lower bound
sum(ceil(h/45)); shares of grids and units within bounds ("grids ok*", "units ok*": leaving
out grids and units that hold an apartment block over the maximum, which no method can fit);
share of grids and units contiguous in the neighbour graph; mean Polsby-Popper of the grid
polygons; "recoded": households whose grid code changed in gridgov's re-division (the
others number afresh). The county seat: 8 villages and 4 residential compounds, a third of
its households in blocks of 20-200. ``--real`` input is projected around its own centre.
spopt's max-p runs village by village until one time cap for the whole run (grids only).
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gridgov.partition.algorithm import divide
from gridgov.partition.constraints import GRID_BOUNDS, UNIT_BOUNDS
from gridgov.partition.division import PreviousDivision
from gridgov.partition.graph import DEFAULT_LINK_CAP_M
from gridgov.partition.metrics import contiguous_parts, polsby_popper, share_in_bounds
from gridgov.partition.polygons import union_by_label, voronoi_cells
from gridgov.partition.projection import LocalFrame
from gridgov.partition.sites import Sites, build_graph
from gridgov.partition.synthetic import (
    COUNTY_SEAT_SHARES,
    Territory,
    change_territory,
    make_county_seat,
    make_territory,
)

SIZES = {
    "demo": (10_500, 11),
    "county-seat": (20_000, len(COUNTY_SEAT_SHARES)),
    "town": (100_000, 30),
    "prefecture": (1_000_000, 300),
}
METHODS = ("gridgov", "pymetis", "kahip", "bisection", "spopt")


@dataclass
class Prepared:
    """A territory reduced to sites and the neighbour graph every method shares."""

    territory: Territory
    sites: Sites
    by_village: list[np.ndarray]
    graph: object
    boundaries: dict


def prepare(territory: Territory) -> Prepared:
    frame = LocalFrame.around(territory.lon, territory.lat)  # as divide() projects
    xy = frame.to_metres(territory.lon, territory.lat)
    sites = Sites.build(
        xy, territory.households.astype(float), territory.village, np.zeros(len(xy))
    )
    by_village = sites.of_village()
    to_m = lambda g: _project(g, frame)  # noqa: E731
    barriers = [to_m(b) for b in territory.barriers]
    _, graph = build_graph(sites, by_village, barriers, DEFAULT_LINK_CAP_M, GRID_BOUNDS)
    boundaries = {v: to_m(g) for v, g in territory.village_boundaries.items()}
    return Prepared(territory, sites, by_village, graph, boundaries)


def _project(geometry, frame: LocalFrame):
    import shapely

    return shapely.transform(geometry, lambda c: frame.to_metres(c[:, 0], c[:, 1]))


# --- baselines: each returns (site_grid, site_unit) over the prepared sites ------------------


def _village_graph(prepared: Prepared, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (xadj, adjncy) of the graph restricted to ``sites``, in local numbering."""
    graph = prepared.graph
    position = np.full(graph.site_count, -1)
    position[sites] = np.arange(len(sites))
    xadj, adjncy = [0], []
    for site in sites.tolist():
        local = position[graph.neighbours(site)]
        local = local[local >= 0]
        adjncy.extend(local.tolist())
        xadj.append(len(adjncy))
    return np.array(xadj), np.array(adjncy, dtype=np.int64)


def _metis(prepared: Prepared, sites: np.ndarray, count: int) -> np.ndarray:
    import pymetis

    if count <= 1 or len(sites) <= count:
        return np.arange(len(sites)) % max(count, 1)
    xadj, adjncy = _village_graph(prepared, sites)
    weights = prepared.sites.weight[sites].astype(int).tolist()
    _, parts = pymetis.part_graph(count, xadj=xadj, adjncy=adjncy, vweights=weights)
    return np.asarray(parts)


def _kahip(prepared: Prepared, sites: np.ndarray, count: int) -> np.ndarray:
    import kahip

    if count <= 1 or len(sites) <= count:
        return np.arange(len(sites)) % max(count, 1)
    xadj, adjncy = _village_graph(prepared, sites)
    weights = prepared.sites.weight[sites].astype(int).tolist()
    edge_weights = [1] * len(adjncy)
    _, parts = kahip.kaffpa(
        weights, xadj.tolist(), edge_weights, adjncy.tolist(), count, 0.03, True, 0, kahip.FAST
    )
    return np.asarray(parts)


def _bisection(prepared: Prepared, sites: np.ndarray, count: int) -> np.ndarray:
    """Recursive coordinate bisection by households along the longer side."""
    labels = np.zeros(len(sites), dtype=np.int64)
    xy, weight = prepared.sites.xy[sites], prepared.sites.weight[sites]

    def cut(members: np.ndarray, parts: int, first: int) -> None:
        if parts <= 1 or len(members) <= 1:
            labels[members] = first
            return
        axis = int(np.ptp(xy[members, 1]) > np.ptp(xy[members, 0]))
        order = members[np.argsort(xy[members, axis], kind="stable")]
        low = parts // 2
        cumulative = np.cumsum(weight[order])
        at = int(np.searchsorted(cumulative, cumulative[-1] * low / parts))
        at = min(max(at + 1, 1), len(order) - 1)
        cut(order[:at], low, first)
        cut(order[at:], parts - low, first + low)

    cut(np.arange(len(sites)), count, 0)
    return labels


def run_baseline(prepared: Prepared, method: str) -> tuple[np.ndarray, np.ndarray]:
    split: Callable[[Prepared, np.ndarray, int], np.ndarray] = {
        "pymetis": _metis,
        "kahip": _kahip,
        "bisection": _bisection,
    }[method]
    weight = prepared.sites.weight
    site_grid = np.zeros(prepared.sites.count, dtype=np.int64)
    grids = 0
    for village_sites in prepared.by_village:
        count = GRID_BOUNDS.part_count(weight[village_sites].sum())
        site_grid[village_sites] = grids + split(prepared, village_sites, count)
        grids += count
    site_unit = np.zeros(prepared.sites.count, dtype=np.int64)
    units = 0
    for grid_sites in _groups(site_grid):
        count = UNIT_BOUNDS.part_count(np.minimum(weight[grid_sites], UNIT_BOUNDS.high).sum())
        site_unit[grid_sites] = units + split(prepared, grid_sites, count)
        units += count
    return _renumber(site_grid), _renumber(site_unit)


def run_spopt(prepared: Prepared, cap_s: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Max-p regions (grids only: min 25 households) village by village until the cap."""
    site_grid = np.full(prepared.sites.count, -1, dtype=np.int64)
    grids, done = 0, 0

    def out_of_time(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, cap_s)  # the cap stops max-p even mid-village
    try:
        for village_sites in prepared.by_village:
            grids += _maxp_village(prepared, village_sites, site_grid, grids)
            done += 1
    except TimeoutError:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    households = int(prepared.sites.weight[site_grid >= 0].sum())
    progress = (
        f"max-p: {done}/{len(prepared.by_village)} villages, {households:,} households "
        f"in the {cap_s:.0f} s cap"
    )
    return site_grid, np.full(prepared.sites.count, -1, dtype=np.int64), progress


def _maxp_village(
    prepared: Prepared, village_sites: np.ndarray, site_grid: np.ndarray, first: int
) -> int:
    """Max-p on one village with light settings; labels written into ``site_grid``."""
    import geopandas
    import libpysal
    from spopt.region import MaxPHeuristic

    xy = prepared.sites.xy[village_sites]
    frame = geopandas.GeoDataFrame(
        {"x": xy[:, 0], "y": xy[:, 1], "households": prepared.sites.weight[village_sites]},
        geometry=geopandas.points_from_xy(xy[:, 0], xy[:, 1]),
    )
    xadj, adjncy = _village_graph(prepared, village_sites)
    neighbours = {i: adjncy[xadj[i] : xadj[i + 1]].tolist() for i in range(len(village_sites))}
    weights = libpysal.weights.W(neighbours, silence_warnings=True)
    model = MaxPHeuristic(
        frame, weights, ["x", "y"], "households", GRID_BOUNDS.low,
        top_n=2, max_iterations_construction=2, max_iterations_sa=1,
    )  # fmt: skip
    model.solve()
    labels = np.unique(np.asarray(model.labels_), return_inverse=True)[1].ravel()
    site_grid[village_sites] = first + labels
    return int(labels.max()) + 1


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, cuts)


def _renumber(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1].ravel()


# --- gridgov -------------------------------------------------------------------------------


def run_gridgov(territory: Territory, previous: PreviousDivision | None):
    return divide(
        territory.lon,
        territory.lat,
        territory.households,
        territory.village,
        village_boundaries=territory.village_boundaries,
        barriers=territory.barriers,
        previous=previous,
    )


def previous_of(territory: Territory, changed: Territory, division) -> PreviousDivision:
    """The earlier division's serials carried to the changed territory's points."""
    grid = np.full(len(changed.lon), -1)
    unit = np.full(len(changed.lon), -1)
    stayed = changed.origin >= 0
    grid[stayed] = division.grid_serial[division.point_grid][changed.origin[stayed]]
    unit[stayed] = division.unit_serial[division.point_unit][changed.origin[stayed]]
    return PreviousDivision(grid, unit)


# --- measuring ------------------------------------------------------------------------------


def measure(prepared: Prepared, site_grid: np.ndarray, site_unit: np.ndarray) -> dict:
    weight, sites = prepared.sites.weight, prepared.sites
    done = site_grid >= 0
    grid_count = int(site_grid[done].max() + 1) if done.any() else 0
    grid_households = np.bincount(site_grid[done], weights=weight[done], minlength=grid_count)
    grid_heaviest = np.zeros(grid_count)
    np.maximum.at(grid_heaviest, site_grid[done], weight[done])
    can_be = grid_heaviest <= GRID_BOUNDS.high  # no block over the grid maximum
    result = {
        "grids": grid_count,
        "grids_in_bounds": (
            share_in_bounds(grid_households, GRID_BOUNDS.low, GRID_BOUNDS.high)
            if grid_count
            else None
        ),
        "grids_in_bounds_possible": (
            share_in_bounds(grid_households[can_be], GRID_BOUNDS.low, GRID_BOUNDS.high)
            if can_be.any()
            else None
        ),
    }
    labels = np.where(done, site_grid, grid_count)  # undone sites as one extra label
    joined = contiguous_parts(prepared.graph, labels, grid_count + 1)[:grid_count]
    cells = voronoi_cells(sites.xy, sites.village, prepared.boundaries)
    polygons = union_by_label(cells, labels, grid_count)
    values = [polsby_popper(p) for p in polygons]
    result["compactness"] = float(np.mean(values)) if values else None
    result["units"], result["units_in_bounds"], unit_joined = 0, None, np.array([], dtype=bool)
    result["units_in_bounds_possible"] = None
    if (site_unit >= 0).all():
        unit_count = int(site_unit.max() + 1)
        unit_households = np.bincount(site_unit, weights=weight, minlength=unit_count)
        result["units"] = unit_count
        result["units_in_bounds"] = share_in_bounds(
            unit_households, UNIT_BOUNDS.low, UNIT_BOUNDS.high
        )
        heaviest = np.zeros(unit_count)
        np.maximum.at(heaviest, site_unit, weight)
        possible = heaviest <= UNIT_BOUNDS.high  # no indivisible block over the unit maximum
        result["units_in_bounds_possible"] = share_in_bounds(
            unit_households[possible], UNIT_BOUNDS.low, UNIT_BOUNDS.high
        )
        unit_joined = contiguous_parts(prepared.graph, site_unit, unit_count)
        union_by_label(cells, site_unit, unit_count)  # unit polygons cost the same for all
    parts = np.r_[joined, unit_joined]
    result["contiguous"] = float(np.mean(parts)) if len(parts) else None
    return result


def moved_households(
    territory: Territory, changed: Territory, before: np.ndarray, after: np.ndarray
) -> int:
    """Households present before and after whose grid changed (grids matched by overlap)."""
    stayed = np.flatnonzero(changed.origin >= 0)
    old = before[changed.origin[stayed]]
    new = after[stayed]
    weight = changed.households[stayed]
    pairs = {}
    for o, n, w in zip(old.tolist(), new.tolist(), weight.tolist(), strict=True):
        pairs[(n, o)] = pairs.get((n, o), 0) + w
    matched_new, matched_old, kept = set(), set(), 0
    for (n, o), w in sorted(pairs.items(), key=lambda item: -item[1]):
        if n not in matched_new and o not in matched_old:
            matched_new.add(n)
            matched_old.add(o)
            kept += w
    return int(weight.sum() - kept)


def targets(prepared: Prepared) -> tuple[int, int]:
    weight = prepared.sites.weight
    target = sum(GRID_BOUNDS.part_count(weight[v].sum()) for v in prepared.by_village)
    lower = sum(int(np.ceil(weight[v].sum() / GRID_BOUNDS.high)) for v in prepared.by_village)
    return target, lower


def load_real(path: str) -> Territory:
    """Points of a GeoJSON FeatureCollection (WGS84): each Point feature is one place with
    the optional properties ``households`` (default 1: a house; more: an apartment block)
    and ``village`` (default: all in one village). No village polygons, no barriers."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    lon, lat, households, villages = [], [], [], []
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            continue
        properties = feature.get("properties") or {}
        lon.append(float(geometry["coordinates"][0]))
        lat.append(float(geometry["coordinates"][1]))
        households.append(max(int(properties.get("households") or 1), 1))
        villages.append(str(properties.get("village", "")))
    if not lon:
        raise SystemExit(f"{path}: no Point features")
    _, village = np.unique(np.array(villages), return_inverse=True)
    return Territory(
        lon=np.array(lon),
        lat=np.array(lat),
        households=np.array(households, dtype=np.int64),
        village=village.ravel().astype(np.int64),
        village_boundaries={},
        barriers=[],
        origin=np.arange(len(lon)),
        frame=LocalFrame.around(np.array(lon), np.array(lat)),
    )


def territory_for(size: str, seed: int, real: str | None) -> Territory:
    if real:
        return load_real(real)
    households, villages = SIZES[size]
    if size == "county-seat":
        return make_county_seat(households, seed=seed)
    return make_territory(households, villages, seed=seed)


def one_method(method: str, size: str, seed: int, spopt_cap: float, real: str | None) -> dict:
    territory = territory_for(size, seed, real)
    changed = change_territory(territory, seed=seed + 1)
    started = time.perf_counter()
    progress = ""
    if method == "gridgov":
        division = run_gridgov(territory, None)
        seconds = time.perf_counter() - started
        peak_mb = _peak_mb()
        prepared = prepare(territory)
        site_grid, site_unit = _site_labels(prepared, division)
        redo_started = time.perf_counter()
        again = run_gridgov(changed, previous_of(territory, changed, division))
        redo = (
            time.perf_counter() - redo_started,
            again.households_moved_grid,
            again.households_changed_grid,
        )
        before = division.point_grid
        after = again.point_grid
        exceptions = len(division.exceptions)
    else:
        prepared = prepare(territory)
        if method == "spopt":
            site_grid, site_unit, progress = run_spopt(prepared, spopt_cap)
        else:
            site_grid, site_unit = run_baseline(prepared, method)
        cells = voronoi_cells(prepared.sites.xy, prepared.sites.village, prepared.boundaries)
        union_by_label(cells, np.maximum(site_grid, 0), int(site_grid.max() + 1))
        if (site_unit >= 0).all():
            union_by_label(cells, site_unit, int(site_unit.max() + 1))
        seconds = time.perf_counter() - started
        peak_mb = _peak_mb()
        before = site_grid[prepared.sites.of_point]
        after = before
        if method != "spopt":
            changed_prepared = prepare(changed)
            again_grid, _ = run_baseline(changed_prepared, method)
            after = again_grid[changed_prepared.sites.of_point]
        exceptions = None
        redo = None
    result = measure(prepared, site_grid, site_unit)
    target, lower = targets(prepared)
    stayed = int(changed.households[changed.origin >= 0].sum())
    moved = moved_households(territory, changed, before, after) if method != "spopt" else None
    result.update(
        method=method,
        seconds=seconds,
        target=target,
        lower=lower,
        progress=progress,
        moved=None if moved is None else moved / stayed,
        exceptions=exceptions,
        redo=None if redo is None else [redo[0], redo[1] / stayed, redo[2] / stayed],
        peak_mb=peak_mb,
    )
    return result


def _peak_mb() -> float:
    """This process's peak resident memory so far (the division, not the measuring after)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _site_labels(prepared: Prepared, division) -> tuple[np.ndarray, np.ndarray]:
    site_grid = np.zeros(prepared.sites.count, dtype=np.int64)
    site_unit = np.zeros(prepared.sites.count, dtype=np.int64)
    site_grid[prepared.sites.of_point] = division.point_grid
    site_unit[prepared.sites.of_point] = division.point_unit
    return site_grid, site_unit


def _fmt(value, pattern: str) -> str:
    width = "".join(c for c in pattern if c.isdigit())[:1] or "0"
    return f"{'n/a':>{width}}" if value is None else format(value, pattern)


def print_table(size: str, rows: list[dict], spopt_cap: float, real: str | None) -> None:
    if real:
        territory = load_real(real)
        households, villages = int(territory.households.sum()), len(set(territory.village))
        size = real
    else:
        households, villages = SIZES[size]
    print(
        f"\n{size}: {households:,} households in {villages} villages (bounds grid 25-45 "
        f"target 36, unit 4-8 target 6; spopt cap {spopt_cap:.0f} s)"
    )
    header = (
        f"{'method':<10} {'time s':>8} {'peak MB':>8} {'grids':>7} {'target':>7} {'lower':>7} "
        f"{'grids ok':>8} {'grids ok*':>9} {'units ok':>8} {'units ok*':>9} {'contig':>7} "
        f"{'PP mean':>7} {'moved':>7} {'recoded':>7}  note"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        note = r["progress"] or (
            ""
            if r["exceptions"] is None
            else f"{r['exceptions']} exceptions listed; re-division {r['redo'][0]:.2f} s, "
            f"{r['redo'][2]:.1%} changed grid by its own count"
        )
        recoded = None if r["redo"] is None else r["redo"][1]
        print(
            f"{r['method']:<10} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f} {r['grids']:>7} "
            f"{r['target']:>7} {r['lower']:>7} {_fmt(r['grids_in_bounds'], '8.1%')} "
            f"{_fmt(r['grids_in_bounds_possible'], '9.1%')} "
            f"{_fmt(r['units_in_bounds'], '8.1%')} {_fmt(r['units_in_bounds_possible'], '9.1%')} "
            f"{_fmt(r['contiguous'], '7.1%')} {_fmt(r['compactness'], '7.3f')} "
            f"{_fmt(r['moved'], '7.1%')} {_fmt(recoded, '7.1%')}  {note}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="demo")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spopt-cap", type=float, default=60.0, help="seconds for max-p in all")
    parser.add_argument("--real", help="a GeoJSON file of points instead of a generated one")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_method(args.one, args.size, args.seed, args.spopt_cap, args.real)))
        return
    rows = []
    for method in args.methods.split(","):
        command = [
            sys.executable,
            __file__,
            "--one",
            method,
            "--size",
            args.size,
            "--seed",
            str(args.seed),
            "--spopt-cap",
            str(args.spopt_cap),
            *(["--real", args.real] if args.real else []),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{method}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_table(args.size, rows, args.spopt_cap, args.real)


if __name__ == "__main__":
    main()
