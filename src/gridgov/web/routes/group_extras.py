"""Chain-reply lists (接龙: open one, add or edit one's own line, export as CSV or XLSX) and
message-to-case (a leader's action, the form prefilled from the message: category
suggested from its text, its place and photo carried over)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.cases.categories import list_categories
from gridgov.errors import NotFound, ValidationFailed
from gridgov.groups.actions import check_may_post
from gridgov.groups.chains import (
    check_open_chain,
    check_sign_chain,
    export_chain,
    get_chain,
)
from gridgov.groups.models import Group
from gridgov.groups.queries import access_group, access_message, moderates
from gridgov.groups.to_case import check_message_to_case, prefill_category
from gridgov.http.sessions import SessionDep
from gridgov.i18n import Message
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.group_views import message_views
from gridgov.web.rendering import page_language, render
from gridgov.web.routes.groups import is_htmx, rights_of
from gridgov.web.routing import page_router

router = page_router()


# --- chain replies (接龙) ------------------------------------------------------------------


def _chain_in_reach(session: Session, chain_id: str, caller: PageCaller) -> Any:
    chain = get_chain(session, chain_id)
    try:
        access_group(session, chain.group_id, caller.principal)
    except NotFound:
        raise NotFound(Message("no chain list has id %(chain_id)s", chain_id=chain_id)) from None
    return chain


def _closing_time(text: str) -> dt.datetime:
    """A ``datetime-local`` field's value, in the deployment's time zone."""
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field("closes_at", Message("a date and time")) from None
    return clock.from_local(local) if local.tzinfo is None else local.astimezone(dt.UTC)


@router.post("/groups/{group_id}/chains")
def open_chain(
    request: Request,
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    title: Annotated[str, Form(max_length=400)] = "",
    fields: Annotated[str, Form(max_length=400)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A leader or member opens a list (its fields: comma-separated, e.g. 人数, 电话)."""
    group = access_group(session, group_id, caller.principal)
    check_may_post(session, group, principal=caller.principal)  # mute, mode, rate, membership
    names = [name.strip() for name in fields.replace("，", ",").split(",") if name.strip()]
    chain = check_open_chain(
        session,
        group,
        title=title,
        fields=names,
        closes_at=_closing_time(closes_at),
        author=caller.user,
        actor=caller.actor,
    )
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, f"/groups/{group.id}#chain-{chain.id}")


@router.post("/chains/{chain_id}/lines")
async def sign_chain(
    request: Request, chain_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """Add or change the caller's own line (one field per list field: ``values.NAME``)."""
    form = await request.form()
    chain = _chain_in_reach(session, chain_id, caller)
    values = {
        key.removeprefix("values."): str(value)
        for key, value in form.items()
        if key.startswith("values.")
    }
    check_sign_chain(session, chain, user=caller.user, values=values)
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, f"/groups/{chain.group_id}#chain-{chain.id}")


@router.get("/chains/{chain_id}/export.{file_format}")
def chain_export(
    request: Request, chain_id: str, file_format: str, session: SessionDep, caller: CallerDep
) -> Response:
    chain = _chain_in_reach(session, chain_id, caller)
    data = export_chain(session, chain, file_format)
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[file_format]
    headers = {"content-disposition": f'attachment; filename="chain-{chain.id}.{file_format}"'}
    return Response(data, media_type=media, headers=headers)


# --- message to case -----------------------------------------------------------------------


def _leader_message(session: Session, message_id: str, caller: PageCaller) -> Any:
    message = access_message(session, message_id, caller.principal)
    group = access_group(session, message.group_id, caller.principal)
    if not moderates(caller.principal, group):
        raise NotFound(Message("no message has id %(message_id)s", message_id=message_id))
    return message, group


def _case_form(
    request: Request,
    session: Session,
    message: Any,
    group: Group,
    caller: PageCaller,
    *,
    values: dict[str, str],
    errors: dict[str, Any],
    status: int = 200,
) -> Response:
    zh = page_language(request, caller).startswith("zh")
    categories = [
        (c.code, c.name_zh if zh else c.name_en) for c in list_categories(session) if c.active
    ]
    view = message_views(session, [message], rights_of(caller, group))[0]
    context = {
        "message": view,
        "message_group_id": group.id,
        "categories": categories,
        "values": values,
        "errors": errors,
    }
    return render(request, "groups/message_case.html", context, status=status)


@router.get("/messages/{message_id}/case")
def message_case_form(
    request: Request, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    message, group = _leader_message(session, message_id, caller)
    values = {
        "category_code": prefill_category(session, message),
        "description": message.text or "",
    }
    return _case_form(request, session, message, group, caller, values=values, errors={})


@router.post("/messages/{message_id}/case")
def message_to_case(
    request: Request,
    message_id: str,
    session: SessionDep,
    caller: CallerDep,
    category_code: Annotated[str, Form(max_length=64)] = "",
    description: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    message, group = _leader_message(session, message_id, caller)
    try:
        with session.begin_nested():
            case = check_message_to_case(
                session,
                message,
                principal=caller.principal,
                category_code=category_code or None,
                description=description or None,
                data_dir=request.app.state.settings.data_dir,
            )
    except ValidationFailed as refused:
        values = {"category_code": category_code, "description": description}
        return _case_form(
            request,
            session,
            message,
            group,
            caller,
            values=values,
            errors=dict(refused.fields),
            status=422,
        )
    return redirect(request, f"/cases/{case.id}")
