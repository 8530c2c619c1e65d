"""Computing a division plan of a village or a town and storing it (nothing else changes).

The plan holds what applying it would write (``proposal``: every grid and unit with its
code and polygon, each household's unit, the nodes to retire) and the report a planner
reads before applying (``summary``). Codes: a grid or unit the engine keeps keeps its
code; a new one takes the next free serial, past every serial ever given there (retired
ones included), so a code is never reused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import Conflict, ValidationFailed
from gridgov.i18n import Message
from gridgov.partition.algorithm import divide
from gridgov.partition.constraints import Bounds, check_bounds
from gridgov.partition.division import Division, PreviousDivision
from gridgov.partition.metrics import contiguous_parts, mean_polsby_popper
from gridgov.partition.models import PartitionPlan
from gridgov.partition.projection import LocalFrame
from gridgov.partition.state import ScopeState, load_scope
from gridgov.posts.models import Post
from gridgov.registry.models import Resident
from gridgov.territory.codes import child_code
from gridgov.territory.geometry import centre_of

MAX_GRID_SERIAL = 999
MAX_UNIT_SERIAL = 99


@dataclass
class _Computed:
    division: Division
    points: list[int]  # indices into state.households of the households with a point
    grid_codes: list[str]
    unit_codes: list[str]


def check_create_plan(
    session: Session,
    *,
    scope_code: str,
    grid_bounds: Bounds,
    unit_bounds: Bounds,
    locks: Sequence[str] = (),
    actor: str,
) -> PartitionPlan:
    """Compute a division of the scope's households and store it as a planned plan."""
    started = time.perf_counter()
    check_bounds(grid_bounds.low, grid_bounds.high, grid_bounds.target, field="grid_size")
    check_bounds(unit_bounds.low, unit_bounds.high, unit_bounds.target, field="unit_size")
    state = load_scope(session, scope_code)
    locked = _check_locks(state, locks)
    computed = _compute(state, grid_bounds, unit_bounds, locked)
    proposal = _proposal(state, computed)
    summary = _summary(session, state, computed, proposal, grid_bounds, unit_bounds)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    plan = PartitionPlan(
        scope_code=scope_code,
        status="planned",
        base_fingerprint=state.fingerprint(),
        parameters={
            "grid_size": {"min": grid_bounds.low, "max": grid_bounds.high},
            "grid_target": grid_bounds.target,
            "unit_size": {"min": unit_bounds.low, "max": unit_bounds.high},
            "unit_target": unit_bounds.target,
            "locks": sorted(set(locks)),
        },
        summary=summary,
        proposal=proposal,
        created_by=actor,
    )
    session.add(plan)
    session.flush()
    return plan


def _check_locks(state: ScopeState, locks: Sequence[str]) -> frozenset[tuple[str, int]]:
    locked = set()
    for code in locks:
        node = state.nodes.get(code)
        if node is None or node.level != "grid" or node.status != "active":
            raise ValidationFailed.field(
                "locks", Message("%(code)s is not an active grid of the scope", code=code)
            )
        locked.add((code[:12], int(code[12:15])))
    return frozenset(locked)


def _compute(
    state: ScopeState, grid_bounds: Bounds, unit_bounds: Bounds, locked: frozenset
) -> _Computed:
    points = [i for i, h in enumerate(state.households) if h.lon is not None and h.lat is not None]
    rows = [state.households[i] for i in points]
    if not rows:
        raise ValidationFailed.field(
            "scope_code", Message("no household of the scope has a location")
        )
    lon = np.array([h.lon for h in rows], dtype=float)
    lat = np.array([h.lat for h in rows], dtype=float)
    village = np.array([h.village_code for h in rows])
    grid_serial = np.full(len(rows), -1, dtype=np.int64)
    unit_serial = np.full(len(rows), -1, dtype=np.int64)
    for index, household in enumerate(rows):
        code = household.territory_code
        if len(code) == 17 and state.active(code) and state.active(code[:15]):
            grid_serial[index], unit_serial[index] = int(code[12:15]), int(code[15:17])
    # keyed by village code: divide() takes any hashable village name
    used: dict[Hashable, list[int]] = {code: [] for code in state.village_codes}
    for node in state.nodes.values():
        if node.level == "grid":
            used[node.code[:12]].append(int(node.code[12:15]))
    boundaries: dict[Hashable, BaseGeometry] = {
        v.code: shapely.make_valid(shape(v.boundary)) for v in state.villages if v.boundary
    }
    division = divide(
        lon,
        lat,
        np.ones(len(rows)),
        village,
        grid_bounds=grid_bounds,
        unit_bounds=unit_bounds,
        village_boundaries=boundaries,
        previous=PreviousDivision(grid_serial, unit_serial, locked, used),
    )
    grid_codes, unit_codes = _codes(state, division)
    return _Computed(division, points, grid_codes, unit_codes)


def _codes(state: ScopeState, division: Division) -> tuple[list[str], list[str]]:
    """Codes of the proposed grids and units: kept, or the next serial never given there."""
    grid_codes = []
    for village, serial in zip(division.grid_village, division.grid_serial.tolist(), strict=True):
        if not 1 <= serial <= MAX_GRID_SERIAL:
            raise Conflict(
                Message(
                    "village %(village)s has no grid serial left (needs %(serial)s)",
                    village=village,
                    serial=serial,
                )
            )
        code = child_code(str(village), "grid", serial)
        if code in state.nodes and not state.active(code):
            raise Conflict(
                Message("the division would reuse the retired grid code %(code)s", code=code)
            )
        grid_codes.append(code)
    used: dict[str, set[int]] = {}
    for node in state.nodes.values():
        if node.level == "unit":
            used.setdefault(node.code[:15], set()).add(int(node.code[15:17]))
    unit_codes = []
    unit_grid, unit_serial = division.unit_grid.tolist(), division.unit_serial.tolist()
    for grid, proposed in zip(unit_grid, unit_serial, strict=True):
        grid_code = grid_codes[grid]
        taken = used.setdefault(grid_code, set())
        unit_code = (
            child_code(grid_code, "unit", proposed) if 1 <= proposed <= MAX_UNIT_SERIAL else None
        )
        if unit_code is None or (unit_code in state.nodes and not state.active(unit_code)):
            # a retired code is never given again: past every serial used or proposed here
            fresh = (
                max(taken | {s for g, s in zip(unit_grid, unit_serial, strict=True) if g == grid})
                + 1
            )
            if fresh > MAX_UNIT_SERIAL:
                raise Conflict(
                    Message("grid %(grid_code)s has no unit serial left", grid_code=grid_code)
                )
            unit_code = child_code(grid_code, "unit", fresh)
        taken.add(int(unit_code[15:17]))
        unit_codes.append(unit_code)
    return grid_codes, unit_codes


def _clean(geometry: BaseGeometry | None) -> BaseGeometry | None:
    """A valid (multi)polygon at 1e-7 degree precision (about a centimetre), or None."""
    if geometry is None or geometry.is_empty:
        return None
    geometry = shapely.set_precision(shapely.make_valid(geometry), 1e-7)
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geometry = shapely.union_all(parts) if parts else None
    if geometry is None or geometry.is_empty:
        return None
    return geometry


def _place(geometry: BaseGeometry | None) -> dict[str, Any]:
    cleaned = _clean(geometry)
    if cleaned is None:
        return {"boundary": None, "center": None}
    # shapely's own GeoJSON writer: the same plain lists as territory.geometry.to_geojson,
    # several times faster for a town's two thousand polygons
    boundary = json.loads(shapely.to_geojson(cleaned))
    return {"boundary": boundary, "center": list(centre_of(cleaned))}


def _proposal(state: ScopeState, computed: _Computed) -> dict[str, Any]:
    division = computed.division
    assert division.grid_polygons is not None and division.unit_polygons is not None
    grids = [
        {
            "code": code,
            "village_code": code[:12],
            "kept": state.active(code),
            "households": int(division.grid_households[index]),
            **_place(division.grid_polygons[index]),
        }
        for index, code in enumerate(computed.grid_codes)
    ]
    units = [
        {
            "code": code,
            "grid_code": code[:15],
            "kept": state.active(code),
            "households": int(division.unit_households[index]),
            **_place(division.unit_polygons[index]),
        }
        for index, code in enumerate(computed.unit_codes)
    ]
    proposed = {*computed.grid_codes, *computed.unit_codes}
    # A village none of whose households has a location is left as it is (and reported).
    located = {state.households[point].village_code for point in computed.points}
    retire = sorted(
        (code for code, node in state.nodes.items() if node.status == "active"),
        key=lambda code: (-len(code), code),  # units before their grids
    )
    retire = [code for code in retire if code not in proposed and code[:12] in located]
    assignment = {
        state.households[point].id: computed.unit_codes[int(unit)]
        for point, unit in zip(computed.points, division.point_unit.tolist(), strict=True)
    }
    retired = set(retire)
    without_point = [
        h for h in state.households if h.lon is None or h.lat is None
    ]  # they keep their unit, or go back to their village when it is dissolved
    unplace = {h.id: h.village_code for h in without_point if h.territory_code in retired}
    return {
        "villages": state.village_codes,
        "untouched_villages": [code for code in state.village_codes if code not in located],
        "grids": sorted(grids, key=lambda part: part["code"]),
        "units": sorted(units, key=lambda part: part["code"]),
        "retire": retire,
        "assignment": assignment,
        "unplace": unplace,
        "without_point": [
            {"household_id": h.id, "territory_code": h.territory_code} for h in without_point
        ],
    }


def _sizes(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {"min": 0, "median": 0, "max": 0}
    return {
        "min": int(values.min()),
        "median": float(np.median(values)),
        "max": int(values.max()),
    }


def _contiguity(division: Division) -> dict[str, float]:
    assert division.graph is not None and division.point_site is not None
    sites = division.graph.site_count
    site_grid = np.zeros(sites, dtype=np.int64)
    site_unit = np.zeros(sites, dtype=np.int64)
    site_grid[division.point_site] = division.point_grid
    site_unit[division.point_site] = division.point_unit
    grids = contiguous_parts(division.graph, site_grid, len(division.grid_serial))
    units = contiguous_parts(division.graph, site_unit, len(division.unit_serial))
    return {
        "grids": float(grids.mean()) if len(grids) else 1.0,
        "units": float(units.mean()) if len(units) else 1.0,
    }


def _compactness(state: ScopeState, computed: _Computed) -> float:
    """Mean Polsby-Popper of the grid polygons, measured in metres."""
    polygons = [p for p in computed.division.grid_polygons or [] if p is not None]
    rows = [state.households[i] for i in computed.points]
    frame = LocalFrame.around(np.array([h.lon for h in rows]), np.array([h.lat for h in rows]))
    projected = [
        shapely.transform(p, lambda lonlat: frame.to_metres(lonlat[:, 0], lonlat[:, 1]))
        for p in polygons
    ]
    return round(mean_polsby_popper(projected), 4)


def _exceptions(computed: _Computed, proposal: dict[str, Any]) -> list[dict[str, Any]]:
    division = computed.division
    found = []
    for exception in division.exceptions:
        grid_code = unit_code = None
        if exception.grid_serial is not None:
            grid_code = child_code(str(exception.village), "grid", exception.grid_serial)
            if exception.unit_serial is not None:
                unit_code = child_code(grid_code, "unit", exception.unit_serial)
        found.append(
            {
                "level": exception.level,
                "village_code": str(exception.village),
                "grid_code": grid_code,
                "unit_code": unit_code,
                "households": int(exception.households),
                "reason": exception.reason,
            }
        )
    for village_code in proposal["untouched_villages"]:
        found.append(
            {
                "level": "village",
                "village_code": village_code,
                "grid_code": None,
                "unit_code": None,
                "households": 0,
                "reason": "no household of the village has a location: left as it is",
            }
        )
    for row in proposal["without_point"]:
        dissolved = row["household_id"] in proposal["unplace"]
        found.append(
            {
                "level": "household",
                "village_code": row["territory_code"][:12],
                "grid_code": None,
                "unit_code": None,
                "household_id": row["household_id"],
                "households": 1,
                "reason": "no location: "
                + (
                    "its unit is dissolved, it goes back to its village until placed"
                    if dissolved
                    else "it keeps its place"
                ),
            }
        )
    return found


def _outside(sizes: np.ndarray, bounds: Bounds) -> tuple[int, int]:
    outside = (sizes < bounds.low) | (sizes > bounds.high)
    return int(outside.sum()), int(sizes[outside].sum())


def _summary(
    session: Session,
    state: ScopeState,
    computed: _Computed,
    proposal: dict[str, Any],
    grid_bounds: Bounds,
    unit_bounds: Bounds,
) -> dict[str, Any]:
    division = computed.division
    grids_outside, grid_households_outside = _outside(division.grid_households, grid_bounds)
    units_outside, unit_households_outside = _outside(division.unit_households, unit_bounds)
    return {
        "villages": len(state.villages),
        "households": len(state.households),
        "households_without_point": len(proposal["without_point"]),
        "grids": len(proposal["grids"]),
        "units": len(proposal["units"]),
        "grid_sizes": _sizes(division.grid_households),
        "unit_sizes": _sizes(division.unit_households),
        "grids_outside_bounds": grids_outside,
        "units_outside_bounds": units_outside,
        "households_outside_bounds": {
            "grid": grid_households_outside,
            "unit": unit_households_outside,
        },
        "contiguity": _contiguity(division),
        "compactness": _compactness(state, computed),
        "households_moved": {  # households whose grid (unit) code changed
            "grid": division.households_moved_grid,
            "unit": division.households_moved_unit,
        },
        # households that changed grid: the new grid does not succeed their earlier one
        "households_changed_grid": division.households_changed_grid,
        "nodes": {
            "grids_kept": sum(g["kept"] for g in proposal["grids"]),
            "grids_new": sum(not g["kept"] for g in proposal["grids"]),
            "units_kept": sum(u["kept"] for u in proposal["units"]),
            "units_new": sum(not u["kept"] for u in proposal["units"]),
            "retire": len(proposal["retire"]),
        },
        "exceptions": _exceptions(computed, proposal),
        "posts_affected": posts_on(session, proposal["retire"]),
    }


def posts_on(session: Session, codes: Sequence[str]) -> list[dict[str, Any]]:
    """Current posts held on these nodes, with their holders' names."""
    found = []
    for start in range(0, len(codes), 900):
        rows = session.execute(
            select(Post.id, Post.post_type, Post.territory_code, Post.resident_id, Resident.name)
            .join(Resident, Resident.id == Post.resident_id)
            .where(Post.territory_code.in_(codes[start : start + 900]), Post.end_date.is_(None))
            .order_by(Post.territory_code, Post.post_type)
        )
        found += [
            {
                "post_id": row.id,
                "post_type": row.post_type,
                "territory_code": row.territory_code,
                "resident_id": row.resident_id,
                "name": row.name,
            }
            for row in rows
        ]
    return found
