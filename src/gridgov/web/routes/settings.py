"""/settings: the pages' language and text size, kept per user, and how notices reach the
user outside the app (an e-mail address, an e-mail digest off/daily/weekly, urgent notices
by SMS: the same preferences as ``PATCH /api/v1/users/me/preferences``).
``/settings/language`` is the language switch of every page: a signed-in user's choice is
kept on their account, a signed-out reader's in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from gridgov.accounts.actions import check_set_preferences
from gridgov.accounts.models import DIGEST_RHYTHMS, TEXT_SIZES
from gridgov.errors import ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.i18n import LANGUAGES, Message
from gridgov.notify.bridges.preferences import EMAIL_MAX, check_set_delivery_preferences
from gridgov.web.auth import CallerDep, OptionalCallerDep
from gridgov.web.cookies import LANGUAGE_COOKIE, YEAR, set_cookie
from gridgov.web.errors import redirect
from gridgov.web.labels import DIGEST_LABELS, TEXT_SIZE_LABELS
from gridgov.web.rendering import render
from gridgov.web.routing import page_router, safe_next

router = page_router()


def _page(
    request: Request,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    delivery_errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "languages": LANGUAGES,
        "text_sizes": TEXT_SIZES,
        "TEXT_SIZE_LABELS": TEXT_SIZE_LABELS,
        "digest_rhythms": DIGEST_RHYTHMS,
        "DIGEST_LABELS": DIGEST_LABELS,
        "email_max": EMAIL_MAX,
        "saved": saved,
        "errors": errors or {},
        "delivery_errors": delivery_errors or {},
        "values": values,
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


@router.post("/settings/delivery")
def save_delivery(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    email: Annotated[str, Form(max_length=EMAIL_MAX * 2)] = "",
    digest_rhythm: Annotated[str, Form(max_length=16)] = "off",
    sms_enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The e-mail address, the digest's rhythm and SMS for urgent notices (a blank address
    removes it; a digest needs one)."""
    try:
        with session.begin_nested():
            check_set_delivery_preferences(
                session,
                caller.user,
                email=email,
                digest_rhythm=digest_rhythm,
                sms_enabled=sms_enabled == "on",
                actor=caller.actor,
            )
    except ValidationFailed as refused:
        values = {"email": email, "digest_rhythm": digest_rhythm, "sms_enabled": sms_enabled}
        return _page(request, delivery_errors=refused.fields, values=values, status=422)
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
