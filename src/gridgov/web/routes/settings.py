"""/settings: the pages' language and text size, kept per user. ``/settings/language`` is
the language switch of every page: a signed-in user's choice is kept on their account, a
signed-out reader's in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from gridgov.accounts.actions import check_set_preferences
from gridgov.accounts.models import TEXT_SIZES
from gridgov.errors import ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.i18n import LANGUAGES, Message
from gridgov.web.auth import CallerDep, OptionalCallerDep
from gridgov.web.cookies import LANGUAGE_COOKIE, YEAR, set_cookie
from gridgov.web.errors import redirect
from gridgov.web.labels import TEXT_SIZE_LABELS
from gridgov.web.rendering import render
from gridgov.web.routing import page_router, safe_next

router = page_router()


def _page(
    request: Request,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "languages": LANGUAGES,
        "text_sizes": TEXT_SIZES,
        "TEXT_SIZE_LABELS": TEXT_SIZE_LABELS,
        "saved": saved,
        "errors": errors or {},
    }
    return render(request, "settings.html", context, status=status)


@router.get("/settings")
def settings_page(request: Request, caller: CallerDep) -> Response:
    return _page(request, saved=request.query_params.get("saved") == "1")


@router.post("/settings")
def save_settings(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    language: Annotated[str, Form(max_length=16)] = "",
    text_size: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        with session.begin_nested():
            check_set_preferences(
                session, caller.user, language=language, text_size=text_size, actor=caller.actor
            )
    except ValidationFailed as refused:
        return _page(request, errors=refused.fields, status=422)
    return redirect(request, "/settings?saved=1")


@router.post("/settings/language")
def switch_language(
    request: Request,
    session: SessionDep,
    caller: OptionalCallerDep,
    language: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if language not in LANGUAGES:
        raise ValidationFailed.field(
            "language", Message("must be one of %(LANGUAGES)s", LANGUAGES=", ".join(LANGUAGES))
        )
    response = redirect(request, safe_next(next))
    if caller is not None:
        check_set_preferences(session, caller.user, language=language, actor=caller.actor)
    else:
        set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=YEAR)
    return response
