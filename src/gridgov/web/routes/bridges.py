"""/bridges (administrators): the outbound routes of the groups (a WeCom group robot per
group: add one, switch it off or on) and the dead letters of every bridge (retry after the
bridge was fixed, or discard). The webhook key is never shown again once saved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.errors import PermissionDenied, ValidationFailed
from gridgov.groups.actions import check_add_bridge_route
from gridgov.groups.models import Group
from gridgov.http.sessions import SessionDep
from gridgov.i18n import Message
from gridgov.notify.bridges.outcomes import (
    do_discard_dead_letter,
    do_retry_dead_letter,
    get_dead_letter,
    list_dead_letters,
)
from gridgov.notify.bridges.routes import do_set_route_active, get_route, list_routes
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()
LIST_SIZE = 100


def _administrator(caller: PageCaller) -> None:
    if "administrator" not in caller.principal.roles:
        raise PermissionDenied(Message("only administrators manage the bridges"))


def _context(session: Session, **extra: Any) -> dict[str, Any]:
    routes, routes_total = list_routes(session, limit=LIST_SIZE, offset=0)
    letters, letters_total = list_dead_letters(session, channel=None, limit=LIST_SIZE, offset=0)
    names = dict(session.execute(select(Group.id, Group.name)).all())
    return {
        "routes": routes,
        "routes_total": routes_total,
        "letters": letters,
        "letters_total": letters_total,
        "group_names": names,
        "groups": sorted(names.items(), key=lambda item: item[1]),
        "errors": {},
        "values": {},
        "done": None,
        **extra,
    }


@router.get("/bridges")
def bridges_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    _administrator(caller)
    context = _context(session, done=request.query_params.get("done"))
    return render(request, "bridges/page.html", context)


@router.post("/bridges/routes")
def add_route(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    group_id: Annotated[str, Form(max_length=64)] = "",
    key: Annotated[str, Form(max_length=256)] = "",
    base_url: Annotated[str, Form(max_length=512)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _administrator(caller)
    settings = request.app.state.settings
    try:
        with session.begin_nested():
            check_add_bridge_route(
                session,
                kind="wecom",
                group_id=group_id,
                key=key,
                base_url=base_url or settings.wecom_base_url,
                name=name,
                actor=caller.actor,
            )
    except ValidationFailed as refused:
        values = {"group_id": group_id, "base_url": base_url, "name": name}
        context = _context(session, errors=dict(refused.fields), values=values)
        return render(request, "bridges/page.html", context, status=422)
    return redirect(request, "/bridges?done=added")


@router.post("/bridges/routes/{route_id}/active")
def set_route_active(
    request: Request,
    route_id: str,
    session: SessionDep,
    caller: CallerDep,
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    _administrator(caller)
    route = get_route(session, route_id)
    do_set_route_active(session, route, active=active == "true", actor=caller.actor)
    return redirect(request, "/bridges?done=switched")


@router.post("/bridges/dead-letters/{message_id}")
def decide_dead_letter(
    request: Request,
    message_id: str,
    session: SessionDep,
    caller: CallerDep,
    decision: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    _administrator(caller)
    letter = get_dead_letter(session, message_id)
    if decision == "retry":
        do_retry_dead_letter(session, letter, now=clock.now(), actor=caller.actor)
    elif decision == "discard":
        do_discard_dead_letter(session, letter, now=clock.now(), actor=caller.actor)
    else:
        raise ValidationFailed.field("decision", Message("retry or discard"))
    return redirect(request, f"/bridges?done={decision}")
