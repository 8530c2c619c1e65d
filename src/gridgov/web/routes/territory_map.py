"""/territories/{code}/map: a grid's or village's parts (units, grids) and its households
as points. A point shows the household number and address and links to the household
page; only the households the caller may read are sent (the registry's list with the
caller's principal), and never a resident's name, ID number or phone."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov.access.checks import reach_territory, require
from gridgov.access.principal import Principal
from gridgov.errors import NotFound
from gridgov.http.sessions import SessionDep
from gridgov.registry.queries import list_households
from gridgov.territory.codes import CHILD_LEVEL, as_level, level_of
from gridgov.territory.geojson import GEOJSON_MEDIA_TYPE
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.labels import LEVEL_LABELS
from gridgov.web.maps import map_settings
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()
MAP_LEVELS = ("village", "grid")
# A map is no list: past this many points the page says only the first are drawn.
MAX_POINTS = 5000


def _map_node(session: Session, principal: Principal, code: str) -> Territory:
    """A village or grid whose households the caller may look at (404 as for a missing one,
    403 for a role that reads no households)."""
    if level_of(code) not in MAP_LEVELS:
        raise NotFound(f"no household map for {code}")
    require(principal, "read", "household")
    reach_territory(session, principal, "read", "household", code)
    node = session.scalar(select(Territory).where(Territory.code == code))
    if node is None:
        raise NotFound(f"no territory has code {code}")
    return node


@router.get("/territories/{code}/map")
def territory_map(request: Request, code: str, session: SessionDep, caller: CallerDep) -> Response:
    node = _map_node(session, caller.principal, code)
    child_level = CHILD_LEVEL[as_level(node.level)]
    _households, total = list_households(
        session, territory=code, status="active", limit=1, principal=caller.principal
    )
    context = {
        "node": node,
        "child_level": child_level,
        "LEVEL_LABELS": LEVEL_LABELS,
        "household_total": total,
        "max_points": MAX_POINTS,
        "map_geojson": f"/api/v1/territories.geojson?territory={code}&level={child_level}",
        "map_outline": f"/api/v1/territories.geojson?territory={code}&level={node.level}",
        "map_points": f"/territories/{code}/households.geojson",
        "map": map_settings(request),
    }
    return render(request, "territory_map.html", context)


def _point(household: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [household.lon, household.lat]},
        "properties": {
            "id": household.id,
            "household_no": household.household_no,
            "address": household.address,
            "href": f"/households/{household.id}",
        },
    }


@router.get("/territories/{code}/households.geojson")
def household_points(code: str, session: SessionDep, caller: CallerDep) -> Response:
    """The located active households under the node that the caller may read."""
    _map_node(session, caller.principal, code)
    households, _total = list_households(
        session, territory=code, status="active", limit=MAX_POINTS, principal=caller.principal
    )
    features = [_point(h) for h in households if h.lon is not None and h.lat is not None]
    collection = {"type": "FeatureCollection", "features": features}
    return JSONResponse(
        collection, media_type=GEOJSON_MEDIA_TYPE, headers={"cache-control": "no-store"}
    )
