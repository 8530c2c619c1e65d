"""Where a case happened: the territory node it hangs on, and how that was found.

By the household named (its unit, or its village while unplaced), else by the point
against the active unit polygons (then grid, then village polygons, for a point no
unit polygon covers), else by the reporter's own household. A point outside every
polygon is refused. The polygons are indexed once (a shapely STRtree per level) and the
index is rebuilt when the territory table changes (a cheap fingerprint, asked each time).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.territory.models import Territory

POINT_LEVELS = ("unit", "grid", "village")  # tried in this order


@dataclass(frozen=True)
class Location:
    territory_code: str
    located_by: str  # household, point, reporter


@dataclass(frozen=True)
class _LevelIndex:
    codes: list[str]
    tree: STRtree

    def find(self, lon: float, lat: float) -> str | None:
        """The node covering the point (on a shared border: the lowest code)."""
        if not self.codes:
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        return min((self.codes[i] for i in hits), default=None)


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], dict[str, _LevelIndex]]] = {}


def _fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a node is added, retired or redrawn: count, newest change, newest
    id and the sum of row versions (every update bumps one)."""
    row = session.execute(
        select(
            func.count(),
            func.max(Territory.updated_at),
            func.max(Territory.id),
            func.sum(Territory.version),
        )
    ).one()
    return tuple(row)


def _database_key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _build(session: Session) -> dict[str, _LevelIndex]:
    rows = session.execute(
        select(Territory.level, Territory.code, Territory.boundary)
        .where(
            Territory.status == "active",
            Territory.level.in_(POINT_LEVELS),
        )
        .order_by(Territory.code)
    )
    by_level: dict[str, tuple[list[str], list[Any]]] = {level: ([], []) for level in POINT_LEVELS}
    for level, code, boundary in rows:
        if not boundary:  # no boundary (a JSON null, not always an SQL NULL)
            continue
        codes, geometries = by_level[level]
        codes.append(code)
        geometries.append(shape(boundary))
    return {
        level: _LevelIndex(codes, STRtree(geometries))
        for level, (codes, geometries) in by_level.items()
    }


def polygon_index(session: Session) -> dict[str, _LevelIndex]:
    """The STRtrees of the current territory table (built once per change of it)."""
    key, fingerprint = _database_key(session), _fingerprint(session)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    index = _build(session)
    with _lock:
        _cache[key] = (fingerprint, index)
    return index


def locate_point(session: Session, lon: float, lat: float) -> str | None:
    """The lowest active node whose polygon covers the point (unit, else grid, else
    village), or None outside them all."""
    index = polygon_index(session)
    for level in POINT_LEVELS:
        found = index[level].find(lon, lat)
        if found is not None:
            return found
    return None


def locate(
    session: Session,
    *,
    household: Household | None,
    lon: float | None,
    lat: float | None,
    reporter_household_code: str | None,
) -> Location:
    """Where the case hangs (see the module's docstring); 422 naming lon/lat for a point
    outside the territory, ``location`` when there is nothing to go by."""
    if household is not None:
        return Location(household.territory_code, "household")
    if lon is not None and lat is not None:
        code = locate_point(session, lon, lat)
        if code is None:
            why = "outside the territory: no village, grid or unit covers this point"
            raise ValidationFailed(
                Message("lon, lat: %(why)s", why=why), fields={"lon": why, "lat": why}
            )
        return Location(code, "point")
    if reporter_household_code is not None:
        return Location(reporter_household_code, "reporter")
    raise ValidationFailed.field(
        "location",
        Message("give a household_id or a point (lon, lat): the reporter has no household"),
    )
