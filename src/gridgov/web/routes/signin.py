"""/signin and /signout: the cookie session, with the token login's lockout and rate
limits (``accounts.login.attempt_login``: the same function, the same counts)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from gridgov.accounts.errors import AccountLocked, TooManyAttempts
from gridgov.accounts.login import MAX_FAILURES, attempt_login
from gridgov.accounts.web_sessions import do_end_web_session, do_start_web_session
from gridgov.errors import DomainError
from gridgov.http.sessions import SessionDep
from gridgov.i18n import translate
from gridgov.notify.realtime import ask_to_reconnect
from gridgov.web.auth import OptionalCallerDep, PasswordCallerDep
from gridgov.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from gridgov.web.errors import redirect
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import client_ip, page_router, safe_next

router = page_router()


@router.get("/signin")
def signin_page(request: Request, caller: OptionalCallerDep, next: str = "/") -> Response:
    if caller is not None:
        return redirect(request, safe_next(next))
    return render(request, "signin.html", {"next": safe_next(next), "login": "", "error": None})


def _error_text(request: Request, error: DomainError) -> str:
    language = page_language(request)
    if isinstance(error, AccountLocked):
        return translate(
            language,
            "The account is locked after %(count)s failed sign-ins in a row. Try again in "
            "%(minutes)s minutes, or ask an administrator to reset the password.",
            count=MAX_FAILURES,
            minutes=error.minutes or 15,
        )
    if isinstance(error, TooManyAttempts):
        return translate(language, "Too many sign-in attempts. Wait a minute and try again.")
    return translate(language, "Wrong username, phone or password.")


@router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    login: Annotated[str, Form(max_length=128)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Sign in; a refused attempt's traces (event row, count, lockout) are committed with
    the page that says why."""
    session.info["actor"] = "system:login"
    result = attempt_login(
        session,
        login=login,
        password=password,
        ip=client_ip(request),
        attempts_per_ip=request.app.state.settings.login_attempts_per_ip,
        attempts_per_login=request.app.state.settings.login_attempts_per_login,
    )
    if result.error is not None:
        context = {
            "next": safe_next(next),
            "login": login,
            "error": _error_text(request, result.error),
        }
        return render(request, "signin.html", context, status=result.error.status)
    user = result.user
    assert user is not None
    ttl = request.app.state.settings.web_session_ttl_seconds
    secret, _row = do_start_web_session(session, user, ttl=dt.timedelta(seconds=ttl))
    target = "/password" if user.must_change_password else safe_next(next)
    response = redirect(request, target)
    set_cookie(request, response, SESSION_COOKIE, secret, max_age=ttl)
    clear_cookie(request, response, PRESESSION_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, session: SessionDep, caller: PasswordCallerDep) -> Response:
    """End the session server-side: its cookie no longer signs anyone in."""
    do_end_web_session(session, caller.web_session, reason="signed_out")
    ask_to_reconnect(session, caller.user.id)  # its events sockets sign in again, or close
    response = redirect(request, "/signin")
    clear_cookie(request, response, SESSION_COOKIE)
    return response
