"""/households/{id}: a household as the API shows it (personal fields masked), its residents
with their key groups, its life events and its cases; and the life-event forms a role that
may record them gets: a birth, a move-in, the whole household moving out. Every form carries
the household's version: a stale one shows the conflict, nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from gridgov.access.policy import allows, may
from gridgov.access.principal import Principal
from gridgov.cases.queries import list_cases
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
from gridgov.web.forms import FormDep, form_values, form_version, parse_form, save_or_show
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

    def again(status: int, **shown: Any) -> Response:
        session.expire_all()
        return show(form=form, values=values, status=status, **shown)

    return save_or_show(
        request,
        session,
        record,
        done_url=done_url,
        conflict=lambda conflict: again(409, conflict=conflict.message),
        refused=lambda refused: again(422, errors=refused.fields),
    )


def submitted(form: FormData) -> tuple[dict[str, Any], int | None]:
    """A life-event form's fields and the version it was drawn from."""
    return form_values(form, lists=("key_groups",)), form_version(form)


def _life_event_route(
    path: str,
    name: str,
    form_name: str,
    shape: type[BaseModel],
    check: Callable[..., object],
    access: Callable[[Session, str, Principal], Household],
) -> None:
    """Register ``POST path`` (route ``name``): the life-event form ``form_name`` read as
    the API's ``shape``, recorded by ``check`` on the household ``access`` gives, with the
    version the form was drawn from."""

    def handler(
        request: Request,
        household_id: str,
        session: SessionDep,
        caller: CallerDep,
        form: FormDep,
    ) -> Response:
        household = access(session, household_id, caller.principal)
        values, version = submitted(form)

        def record() -> None:
            check_version("household", household, version)
            body = parse_form(shape, values)
            check(session, household, **body.model_dump(), actor=caller.actor)

        def show(**kwargs: Any) -> Response:
            return _page(request, session, caller, household, **kwargs)

        return record_or_show(
            request,
            session,
            form=form_name,
            record=record,
            show=show,
            done_url=f"/households/{household.id}?done={form_name}",
            values=values,
        )

    handler.__name__ = handler.__qualname__ = name
    router.post(path)(handler)


def _to_retire(session: Session, household_id: str, principal: Principal) -> Household:
    return queries.access_household(session, household_id, principal, "retire")


_life_event_route(
    "/households/{household_id}/births",
    "record_birth",
    "birth",
    BirthCreate,
    check_record_birth,
    queries.access_household_to_join,
)
_life_event_route(
    "/households/{household_id}/move-ins",
    "record_move_in",
    "move_in",
    MoveInCreate,
    check_record_move_in,
    queries.access_household_to_join,
)
_life_event_route(
    "/households/{household_id}/move-out",
    "move_out_household",
    "move_out",
    HouseholdMoveOut,
    check_record_move_out,
    _to_retire,
)
