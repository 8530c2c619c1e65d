"""Possible duplicates: open cases of the same category reported within 100 m and 14 days.

The SQL keeps a lon/lat box around the point (index-friendly, cheap); the exact distance
is the haversine in Python over the few rows left. Merging one into another is the
workflow's ``reject_duplicate`` action.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES

RADIUS_M = 100.0
WINDOW = dt.timedelta(days=14)
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0
MAX_SHOWN = 20


@dataclass(frozen=True)
class PossibleDuplicate:
    id: str
    distance_m: float
    created_at: dt.datetime
    state: str


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _point_of(case_or_point: Case | tuple[float, float]) -> tuple[float, float] | None:
    if isinstance(case_or_point, Case):
        if case_or_point.lon is None or case_or_point.lat is None:
            return None
        return case_or_point.lon, case_or_point.lat
    return case_or_point


def possible_duplicates(
    session: Session,
    case_or_point: Case | tuple[float, float],
    category: str,
    now: dt.datetime,
    *,
    radius_m: float = RADIUS_M,
) -> list[PossibleDuplicate]:
    """Open cases of ``category`` (a code) within ``radius_m`` of the case's point (or a
    ``(lon, lat)``) reported in the 14 days before ``now``, nearest first. A case without
    a point has none; a case is never its own duplicate."""
    point = _point_of(case_or_point)
    if point is None:
        return []
    lon, lat = point
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    query = select(Case.id, Case.lon, Case.lat, Case.created_at, Case.state).where(
        Case.category_code == category,
        Case.state.in_(OPEN_STATES),
        Case.created_at >= now - WINDOW,
        Case.lon.between(lon - dlon, lon + dlon),
        Case.lat.between(lat - dlat, lat + dlat),
    )
    if isinstance(case_or_point, Case):
        query = query.where(Case.id != case_or_point.id)
    found = [
        PossibleDuplicate(
            row.id, round(haversine_m(lon, lat, row.lon, row.lat), 1), row.created_at, row.state
        )
        for row in session.execute(query.limit(500))
    ]
    near = sorted(
        (d for d in found if d.distance_m <= radius_m), key=lambda d: (d.distance_m, d.id)
    )
    return near[:MAX_SHOWN]
