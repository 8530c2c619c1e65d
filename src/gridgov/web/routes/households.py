"""/households/{id}: a household as the API shows it (personal fields masked), its residents
with their key groups, its life events and its cases; and the life-event forms a role that
may record them gets: a birth, a move-in, the whole household moving out. Every form carries
the household's version: a stale one shows the conflict, nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from gridgov.access.policy import allows, may
from gridgov.access.principal import Principal
from gridgov.cases.queries import list_cases
from gridgov.errors import Conflict, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.registry import queries
from gridgov.registry.actions import check_version
from gridgov.registry.life_events import (
    check_record_birth,
    check_record_move_in,
    check_record_move_out,
)
from gridgov.registry.models import RELATIONS, RESIDENCE_STATUSES, SEXES, Household
from gridgov.registry.schemas import BirthCreate, HouseholdMoveOut, MoveInCreate, ResidentOut
from gridgov.territory.codes import ancestors
from gridgov.territory.models import Territory
from gridgov.territory.queries import nodes_by_code
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.forms import FormDep, form_values, form_version, parse_form
from gridgov.web.labels import CASE_STATE_LABELS
from gridgov.web.registry_labels import REGISTRY_LABELS
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()

RESIDENTS_SHOWN = 200
EVENTS_SHOWN = 50
CASES_SHOWN = 50
# Which form was submitted -> what the page says once it is recorded.
DONE = {"birth", "move_in", "move_out"}


def place_path(session: SessionDep, code: str) -> list[Territory]:
    """The nodes from the town down to ``code`` (a breadcrumb)."""
    nodes = nodes_by_code(session, [*ancestors(code), code])
    return [node for node in nodes if node.level != "district"]


def household_forms(principal: Principal, household: Household) -> dict[str, bool]:
    """The life-event forms this caller gets on this household (the API's rules)."""
    active = household.status == "active"
    code = household.territory_code
    joins = may(principal, "create", "resident") and allows(principal, "update", "household", code)
    return {
        "birth": active and joins,
        "move_in": active and joins,
        "move_out": active and allows(principal, "retire", "household", code),
    }


def _page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    household: Household,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    conflict: str | None = None,
    status: int = 200,
) -> Response:
    principal = caller.principal
    rows, resident_total = queries.list_residents(
        session, household_id=household.id, limit=RESIDENTS_SHOWN, principal=principal
    )
    events, event_total = queries.list_events(
        session, household_id=household.id, limit=EVENTS_SHOWN, principal=principal
    )
    cases: list[Any] | None = None
    if may(principal, "read", "case"):
        cases, _ = list_cases(
            session, principal=principal, household_id=household.id, limit=CASES_SHOWN
        )
    done = request.query_params.get("done")
    context = {
        "household": household,
        "path": place_path(session, household.territory_code),
        "residents": [ResidentOut.of(row.resident, row.key_groups) for row in rows],
        "resident_total": resident_total,
        "events": events,
        "event_total": event_total,
        "cases": cases,
        "key_groups": {group.code: group for group in queries.list_key_groups(session)},
        "forms": household_forms(principal, household),
        "open_form": form,
        "errors": errors or {},
        "values": values or {},
        "conflict": conflict,
        "done": done if done in DONE else None,
        "sexes": SEXES,
        "relations": RELATIONS,
        "residence_statuses": RESIDENCE_STATUSES,
        "CASE_STATE_LABELS": CASE_STATE_LABELS,
        **REGISTRY_LABELS,
    }
    return render(request, "registry/household.html", context, status=status)


@router.get("/households/{household_id}")
def household_page(
    request: Request, household_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    household = queries.access_household(session, household_id, caller.principal)
    return _page(request, session, caller, household)


def record_or_show(
    request: Request,
    session: SessionDep,
    *,
    form: str,
    record: Callable[[], None],
    show: Callable[..., Response],
    done_url: str,
    values: dict[str, Any],
) -> Response:
    """Record a life event in a savepoint; a bad field shows the form again (422) and a
    stale version the conflict (409), with nothing recorded; done: back to the page."""
    try:
        with session.begin_nested():
            record()
    except Conflict as conflict:
        session.expire_all()
        return show(form=form, conflict=conflict.message, values=values, status=409)
    except ValidationFailed as refused:
        session.expire_all()
        return show(form=form, errors=refused.fields, values=values, status=422)
    return redirect(request, done_url)


def submitted(form: FormData) -> tuple[dict[str, Any], int | None]:
    """A life-event form's fields and the version it was drawn from."""
    return form_values(form, lists=("key_groups",)), form_version(form)


@router.post("/households/{household_id}/births")
def record_birth(
    request: Request,
    household_id: str,
    session: SessionDep,
    caller: CallerDep,
    form: FormDep,
) -> Response:
    household = queries.access_household_to_join(session, household_id, caller.principal)
    values, version = submitted(form)

    def record() -> None:
        check_version("household", household, version)
        body = parse_form(BirthCreate, values)
        check_record_birth(session, household, **body.model_dump(), actor=caller.actor)

    return _record(request, session, caller, household, "birth", record, values)


@router.post("/households/{household_id}/move-ins")
def record_move_in(
    request: Request,
    household_id: str,
    session: SessionDep,
    caller: CallerDep,
    form: FormDep,
) -> Response:
    household = queries.access_household_to_join(session, household_id, caller.principal)
    values, version = submitted(form)

    def record() -> None:
        check_version("household", household, version)
        body = parse_form(MoveInCreate, values)
        check_record_move_in(session, household, **body.model_dump(), actor=caller.actor)

    return _record(request, session, caller, household, "move_in", record, values)


@router.post("/households/{household_id}/move-out")
def move_out_household(
    request: Request,
    household_id: str,
    session: SessionDep,
    caller: CallerDep,
    form: FormDep,
) -> Response:
    household = queries.access_household(session, household_id, caller.principal, "retire")
    values, version = submitted(form)

    def record() -> None:
        check_version("household", household, version)
        body = parse_form(HouseholdMoveOut, values)
        check_record_move_out(session, household, **body.model_dump(), actor=caller.actor)

    return _record(request, session, caller, household, "move_out", record, values)


def _record(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    household: Household,
    form: str,
    record: Callable[[], None],
    values: dict[str, Any],
) -> Response:
    def show(**kwargs: Any) -> Response:
        return _page(request, session, caller, household, **kwargs)

    return record_or_show(
        request,
        session,
        form=form,
        record=record,
        show=show,
        done_url=f"/households/{household.id}?done={form}",
        values=values,
    )
