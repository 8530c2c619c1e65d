"""Page forms read through the API's own request shapes (pydantic ``Input`` models), so a
form keeps exactly the API's rules; a bad field comes back as ``{field: why}`` for the form
to show beside that field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.web.errors import redirect

Model = TypeVar("Model", bound=BaseModel)
# Form fields that are never part of the request shape.
NOT_DATA = frozenset({"csrf_token", "version", "form"})


def form_values(form: FormData, *, lists: Iterable[str] = ()) -> dict[str, object]:
    """The submitted fields, blank ones left out (an optional field left empty is not sent);
    ``lists`` are multi-valued fields (checkboxes), kept as lists."""
    many = set(lists)
    values: dict[str, object] = {}
    for name in form:
        if name in NOT_DATA:
            continue
        if name in many:
            values[name] = [str(v) for v in form.getlist(name) if str(v).strip()]
            continue
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    return values


def parse_form(model: type[Model], values: dict[str, object]) -> Model:
    """``values`` as ``model``, or ValidationFailed naming each bad field (first reason)."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
            fields.setdefault(".".join(location) or "form", str(error.get("msg")))
        message = "; ".join(f"{name}: {why}" for name, why in fields.items())
        raise ValidationFailed(message, fields=fields) from exc


def form_version(form: FormData) -> int | None:
    """The ``version`` a form was drawn from (None when it carries none)."""
    raw = form.get("version")
    if not isinstance(raw, str) or not raw.strip():
        return None
    if not raw.strip().isdigit() or len(raw.strip()) > 9:
        raise ValidationFailed.field("version", "must be a whole number")
    return int(raw.strip())


async def submitted_form(request: Request) -> AsyncIterator[FormData]:
    """The request's form (parsed once: the CSRF check read it already), so the routes
    that read it stay plain functions run in the threadpool; its uploaded files are closed
    when the request is done."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(submitted_form)]


def save_or_show(
    request: Request,
    session: Session,
    save: Callable[[], object],
    *,
    done_url: str,
    conflict: Callable[[Conflict], Response] | None = None,
    refused: Callable[[ValidationFailed], Response] | None = None,
    not_found: Callable[[NotFound], Response] | None = None,
) -> Response:
    """A form's writes, in a savepoint: done, a redirect to ``done_url``; a Conflict (a
    stale version, a state that does not allow it) undoes them and answers ``conflict(it)``
    (the page again, 409); a refused field likewise ``refused(it)`` (the form again, 422);
    a NotFound naming a field (a keeper, a village the form named that the caller cannot
    reach) ``not_found(it)`` (the form again, 404). Each one the form does not handle, and
    a NotFound naming no field, is the page error."""
    try:
        with session.begin_nested():
            save()
    except Conflict as exc:
        if conflict is None:
            raise
        return conflict(exc)
    except ValidationFailed as exc:
        if refused is None:
            raise
        return refused(exc)
    except NotFound as exc:
        if not_found is None or not exc.fields:
            raise
        return not_found(exc)
    return redirect(request, done_url)
