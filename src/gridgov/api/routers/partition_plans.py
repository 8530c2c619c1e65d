"""/api/v1/partition-plans: grid-division plans computed, looked at, applied, rolled back.

Policy resource ``partition_plan`` on the plan's scope (a village or a town): create
computes a plan, update applies or rolls one back. A plan outside the caller's territory
answers 404 like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from gridgov.access.checks import require, require_target
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.partition import queries
from gridgov.partition.apply import check_apply_plan, check_rollback_plan
from gridgov.partition.plans import check_create_plan
from gridgov.partition.preview import preview_path, write_preview
from gridgov.partition.schemas import PlanCreate, PlanListItem, PlanOut, plan_geojson
from gridgov.territory.geojson import GEOJSON_MEDIA_TYPE

router = APIRouter(tags=["partition plans"])


@router.post("/partition-plans", response_model=PlanOut, status_code=201)
def create_plan(
    body: PlanCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PlanOut:
    """Compute a plan (nothing else changes until it is applied)."""
    require_target(principal, "create", "partition_plan", body.scope_code, field="scope_code")
    grid_bounds, unit_bounds = body.bounds()
    plan = check_create_plan(
        session,
        scope_code=body.scope_code,
        grid_bounds=grid_bounds,
        unit_bounds=unit_bounds,
        locks=body.locks,
        actor=actor,
    )
    return PlanOut.of(plan)


@router.get("/partition-plans", response_model=Page[PlanListItem])
def list_plans(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    status: str | None = None,
) -> Page[PlanListItem]:
    require(principal, "read", "partition_plan")
    plans, total = queries.list_plans(
        session,
        territory=territory,
        status=status,
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    return Page(
        items=[PlanListItem.of(plan) for plan in plans],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


# Before /partition-plans/{plan_id}: that pattern would take "ID.geojson" as an id.
@router.get(
    "/partition-plans/{plan_id}.geojson",
    response_class=JSONResponse,
    responses=file_answer(GEOJSON_MEDIA_TYPE),
)
def plan_as_geojson(plan_id: str, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    """The proposed grids and units (code, level, households, kept or new)."""
    plan = queries.access_plan(session, plan_id, principal)
    return JSONResponse(plan_geojson(plan), media_type=GEOJSON_MEDIA_TYPE)


@router.get(
    "/partition-plans/{plan_id}/preview.png",
    response_class=FileResponse,
    responses=file_answer("image/png"),
)
def plan_preview(
    plan_id: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> FileResponse:
    """The plan's map, drawn on first request and kept in the data directory."""
    plan = queries.access_plan(session, plan_id, principal)
    data_dir = request.app.state.settings.data_dir
    path = preview_path(data_dir, plan.id)
    if not path.exists():
        path = write_preview(session, plan, data_dir=data_dir)
    return FileResponse(path, media_type="image/png")


@router.get("/partition-plans/{plan_id}", response_model=PlanOut)
def read_plan(plan_id: str, session: SessionDep, principal: PrincipalDep) -> PlanOut:
    return PlanOut.of(queries.access_plan(session, plan_id, principal))


@router.post("/partition-plans/{plan_id}/apply", response_model=PlanOut)
def apply_plan(
    plan_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PlanOut:
    """Apply in this request's one transaction (409 if the division changed since)."""
    plan = queries.access_plan(session, plan_id, principal, "update")
    return PlanOut.of(check_apply_plan(session, plan, actor=actor))


@router.post("/partition-plans/{plan_id}/rollback", response_model=PlanOut)
def rollback_plan(
    plan_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PlanOut:
    """Restore the division the plan replaced (only the latest applied plan of a scope)."""
    plan = queries.access_plan(session, plan_id, principal, "update")
    return PlanOut.of(check_rollback_plan(session, plan, actor=actor))
