"""/partition-plans: grid-division plans of the caller's scope, a form to compute one (as
``POST /api/v1/partition-plans``), and ``/partition-plans/{id}``: the plan on the map next
to the division in force, its quality table, the leaders affected, apply and roll back.

The same policy as the API (``partition_plan``: administrator, town official, village
secretary on their subtree): another role gets the 403 page, a plan out of reach the
not-found page. A refused apply or roll back (409) is shown on the plan's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov.access.checks import require, require_target
from gridgov.access.policy import allows, scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import Conflict, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.i18n import N_
from gridgov.partition import queries
from gridgov.partition.apply import check_apply_plan, check_rollback_plan
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import check_create_plan
from gridgov.partition.schemas import PlanCreate, plan_geojson
from gridgov.territory.geojson import GEOJSON_MEDIA_TYPE
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.forms import save_or_show
from gridgov.web.labels import LEVEL_LABELS
from gridgov.web.maps import map_settings
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()
PLANS_SHOWN = 50
MAX_SCOPES = 500
PLAN_STATUS_LABELS = {
    "planned": N_("Planned"),
    "applied": N_("Applied"),
    "rolled_back": N_("Rolled back"),
    "superseded": N_("Superseded"),
}
POST_TYPE_LABELS = {
    "village_secretary": N_("Village secretary"),
    "grid_leader": N_("Grid leader"),
    "unit_leader": N_("Unit leader"),
}
FORM_FIELDS = ("scope_code", "grid_size", "grid_target", "unit_size", "unit_target")
DEFAULTS = {"grid_size": "25-45", "grid_target": "36", "unit_size": "4-8", "unit_target": "6"}
DONE = {"applied", "rolled_back"}


def _scopes(session: Session, principal: Principal) -> list[Territory]:
    """The villages and towns the caller may compute a plan for."""
    query = (
        select(Territory)
        .where(
            Territory.level.in_(("town", "village")),
            Territory.status == "active",
            scope_filter(principal, "create", "partition_plan", Territory.code),
        )
        .order_by(Territory.code)
        .limit(MAX_SCOPES)
    )
    return list(session.scalars(query))


def _list_page(
    request: Request,
    session: Session,
    caller: PageCaller,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    principal = caller.principal
    require(principal, "read", "partition_plan")
    plans, total = queries.list_plans(session, limit=PLANS_SHOWN, principal=principal)
    scopes = _scopes(session, principal)
    context = {
        "plans": plans,
        "total": total,
        "scopes": scopes,
        "scope_names": {scope.code: scope.name_zh for scope in scopes},
        "values": values or DEFAULTS,
        "errors": errors or {},
        "STATUS_LABELS": PLAN_STATUS_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
    }
    return render(request, "partition_plans/list.html", context, status=status)


@router.get("/partition-plans")
def plans_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    return _list_page(request, session, caller)


def _input_problems(error: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "scope_code"
        problems.setdefault(field, item["msg"])
    return problems


@router.post("/partition-plans")
def create_plan(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    scope_code: Annotated[str, Form(max_length=32)] = "",
    grid_size: Annotated[str, Form(max_length=32)] = "",
    grid_target: Annotated[str, Form(max_length=32)] = "",
    unit_size: Annotated[str, Form(max_length=32)] = "",
    unit_target: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Compute a plan; bad input shows the form again naming the field (422)."""
    principal = caller.principal
    require(principal, "create", "partition_plan")
    values = {
        "scope_code": scope_code,
        "grid_size": grid_size,
        "grid_target": grid_target,
        "unit_size": unit_size,
        "unit_target": unit_target,
    }
    try:
        body = PlanCreate.model_validate({k: v for k, v in values.items() if v.strip()})
        require_target(principal, "create", "partition_plan", body.scope_code, field="scope_code")
        grid_bounds, unit_bounds = body.bounds()
        with session.begin_nested():
            plan = check_create_plan(
                session,
                scope_code=body.scope_code,
                grid_bounds=grid_bounds,
                unit_bounds=unit_bounds,
                locks=body.locks,
                actor=caller.actor,
            )
    except ValidationError as refused:
        errors = _input_problems(refused)
    except ValidationFailed as refused:
        errors = refused.fields or {"scope_code": refused.message}
    else:
        return redirect(request, f"/partition-plans/{plan.id}")
    return _list_page(request, session, caller, values=values, errors=errors, status=422)


def _done(request: Request) -> str | None:
    """What the redirect after apply or roll back says was done (shown once)."""
    done = request.query_params.get("done")
    return done if done in DONE else None


def _plan_page(
    request: Request,
    session: Session,
    caller: PageCaller,
    plan: PartitionPlan,
    *,
    conflict: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    scope = session.scalar(select(Territory).where(Territory.code == plan.scope_code))
    may_change = allows(caller.principal, "update", "partition_plan", plan.scope_code)
    summary = plan.summary
    context = {
        "plan": plan,
        "scope": scope,
        "summary": summary,
        "effects": plan.effects or {},
        "posts": summary.get("posts_affected", []),
        "exceptions": summary.get("exceptions", []),
        "may_apply": may_change and plan.status == "planned",
        "may_roll_back": may_change and plan.status == "applied",
        "done": _done(request),
        "conflict": conflict,
        "errors": errors or {},
        "STATUS_LABELS": PLAN_STATUS_LABELS,
        "POST_TYPE_LABELS": POST_TYPE_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        # The scope's whole subtree in force: its outline, grids and units.
        "map_in_force": f"/api/v1/territories.geojson?territory={plan.scope_code}",
        "map_plan": f"/partition-plans/{plan.id}/map.geojson",
        "map": map_settings(request),
    }
    return render(request, "partition_plans/plan.html", context, status=status)


@router.get("/partition-plans/{plan_id}")
def plan_page(request: Request, plan_id: str, session: SessionDep, caller: CallerDep) -> Response:
    plan = queries.access_plan(session, plan_id, caller.principal)
    return _plan_page(request, session, caller, plan)


@router.get("/partition-plans/{plan_id}/map.geojson")
def plan_map(plan_id: str, session: SessionDep, caller: CallerDep) -> Response:
    """The proposed grids and units (the API's ``.geojson``, for the page's map)."""
    plan = queries.access_plan(session, plan_id, caller.principal)
    return JSONResponse(
        plan_geojson(plan), media_type=GEOJSON_MEDIA_TYPE, headers={"cache-control": "no-store"}
    )


def _change(
    request: Request,
    session: Session,
    caller: PageCaller,
    plan_id: str,
    confirm: str,
    kind: str,
) -> Response:
    """Apply or roll back in a savepoint: a refusal (409) undoes every write it began and
    the plan's page shows why."""
    plan = queries.access_plan(session, plan_id, caller.principal, "update")
    if confirm != "yes":
        errors = {"confirm": N_("Tick the box to confirm.")}
        return _plan_page(request, session, caller, plan, errors=errors, status=422)
    change: Any = check_apply_plan if kind == "applied" else check_rollback_plan

    def refused(conflict: Conflict) -> Response:
        session.refresh(plan)
        return _plan_page(request, session, caller, plan, conflict=conflict.message, status=409)

    return save_or_show(
        request,
        session,
        lambda: change(session, plan, actor=caller.actor),
        done_url=f"/partition-plans/{plan.id}?done={kind}",
        conflict=refused,
    )


@router.post("/partition-plans/{plan_id}/apply")
def apply_plan(
    request: Request,
    plan_id: str,
    session: SessionDep,
    caller: CallerDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return _change(request, session, caller, plan_id, confirm, "applied")


@router.post("/partition-plans/{plan_id}/rollback")
def rollback_plan(
    request: Request,
    plan_id: str,
    session: SessionDep,
    caller: CallerDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return _change(request, session, caller, plan_id, confirm, "rolled_back")
