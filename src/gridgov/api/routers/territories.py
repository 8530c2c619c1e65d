"""/api/v1/territories: the tree's nodes (no personal data), and its GeoJSON export.

Reading the tree is public (no token): it is the map. Writing needs a leader role over the
node (policy: create and retire strictly under one's node, update at or under it; an
administrator anywhere); a node out of reach answers 404 like a missing one."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from gridgov.access.checks import access_territory_write, reach_territory, require_target
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.territory import queries
from gridgov.territory.actions import (
    check_create_territory,
    check_retire_territory,
    check_update_territory,
)
from gridgov.territory.codes import Level
from gridgov.territory.geojson import GEOJSON_MEDIA_TYPE, export_feature_collection
from gridgov.territory.models import Territory
from gridgov.territory.schemas import (
    TerritoryCreate,
    TerritoryDetail,
    TerritoryListItem,
    TerritoryUpdate,
)
from gridgov.territory.scope import clean_territory_filter

router = APIRouter(tags=["territories"])

StatusFilter = Literal["active", "retired", "all"]


def _node(session: SessionDep, code: str) -> Territory:
    """The node named in the path; a malformed code is bad input (422), not a miss."""
    return queries.get_territory(session, clean_territory_filter(code, field="code"))


def _writable(session: SessionDep, principal: PrincipalDep, code: str, action: str) -> Territory:
    """The node named in the path, if the caller may ``action`` it; else 404 (or 403)."""
    clean_territory_filter(code, field="code")
    return access_territory_write(session, code, principal, action)


# Declared before /territories/{code}, so no future path pattern can swallow it.
@router.get(
    "/territories.geojson",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}},
)
def territories_geojson(
    session: SessionDep,
    territory: Annotated[str, Query(description="Root of the exported subtree.")],
    level: Level | None = None,
) -> JSONResponse:
    """A FeatureCollection of the subtree's active nodes, boundaries as geometries."""
    clean_territory_filter(territory)
    collection = export_feature_collection(session, territory=territory, level=level)
    return JSONResponse(collection, media_type=GEOJSON_MEDIA_TYPE)


@router.get("/territories", response_model=Page[TerritoryListItem])
def list_territories(
    session: SessionDep,
    paging: PagingDep,
    territory: TerritoryFilter = None,
    level: Level | None = None,
    status: StatusFilter = "active",
    q: Annotated[str | None, Query(max_length=100, description="Part of a name.")] = None,
) -> Page[TerritoryListItem]:
    """Nodes in code order, without boundaries (``has_boundary`` says if one exists)."""
    if territory is not None:
        reach_territory(session, None, "read", "territory", territory)  # the tree is public
    nodes, total = queries.list_territories(
        session,
        territory=territory,
        level=level,
        status=None if status == "all" else status,
        q=q,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=[TerritoryListItem.from_node(node) for node in nodes],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/territories/{code}", response_model=TerritoryDetail)
def get_territory(session: SessionDep, code: str) -> TerritoryDetail:
    """One node, active or retired, with its boundary."""
    return TerritoryDetail.from_node(_node(session, code))


@router.post("/territories", status_code=201, response_model=TerritoryDetail)
def create_territory(
    session: SessionDep, actor: ActorDep, principal: PrincipalDep, body: TerritoryCreate
) -> TerritoryDetail:
    require_target(principal, "create", "territory", body.code, field="code")
    node = check_create_territory(session, **body.model_dump(), actor=actor)
    return TerritoryDetail.from_node(node)


@router.patch("/territories/{code}", response_model=TerritoryDetail)
def update_territory(
    session: SessionDep, actor: ActorDep, principal: PrincipalDep, code: str, body: TerritoryUpdate
) -> TerritoryDetail:
    """Change names, boundary or centre; a stale ``version`` is refused with 409."""
    node = _writable(session, principal, code, "update")
    node = check_update_territory(
        session, node, version=body.version, **body.changes(), actor=actor
    )
    return TerritoryDetail.from_node(node)


@router.post("/territories/{code}/retire", response_model=TerritoryDetail)
def retire_territory(
    session: SessionDep, actor: ActorDep, principal: PrincipalDep, code: str
) -> TerritoryDetail:
    """Retire a node nothing active hangs on. Nodes are never deleted."""
    node = check_retire_territory(
        session, _writable(session, principal, code, "retire"), actor=actor
    )
    return TerritoryDetail.from_node(node)
