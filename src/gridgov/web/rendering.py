"""Rendering a page: the template of the reader's language, with what ``base.html`` needs
(the caller, the navigation, the CSRF token, the language and text size)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import inspect as sa_inspect
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gridgov.accounts import web_sessions
from gridgov.i18n import DEFAULT_PAGE_LANGUAGE, LANGUAGES, N_
from gridgov.web.caller import PageCaller, load_caller
from gridgov.web.cookies import LANGUAGE_COOKIE, PRESESSION_COOKIE, set_cookie
from gridgov.web.nav import nav_for
from gridgov.web.templating import render_template

log = logging.getLogger(__name__)
# Why an error page was shown, by status (extracted for translation).
TITLES = {
    400: N_("The request could not be understood"),
    403: N_("This is not allowed"),
    409: N_("Someone changed this in the meantime"),
    413: N_("What was sent is too large"),
    422: N_("Some of what was entered is not valid"),
    423: N_("The account is locked"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
}
TEXT_SIZE_CLASSES = {
    "normal": "text-normal",
    "large": "text-large",
    "extra_large": "text-extra-large",
}


def caller_of(request: Request) -> PageCaller | None:
    """The caller a dependency already loaded for this request, if any."""
    caller = getattr(request.state, "page_caller", None)
    return caller if isinstance(caller, PageCaller) else None


def page_language(request: Request, caller: PageCaller | None = None) -> str:
    """The signed-in user's language, else a signed-out reader's choice, else zh-CN."""
    caller = caller or caller_of(request)
    if caller is not None:
        return caller.user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_PAGE_LANGUAGE


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    caller: PageCaller | None = None,
) -> HTMLResponse:
    """``template`` rendered for this request's reader. A signed-out reader's forms get the
    pre-session's CSRF token (its cookie is set here when missing)."""
    caller = caller or caller_of(request)
    presession = None
    if caller is None:
        presession = request.cookies.get(PRESESSION_COOKIE) or web_sessions.new_secret()
    secret = caller.secret if caller is not None else presession
    assert secret is not None
    language = page_language(request, caller)
    page = {
        "request": request,
        "caller": caller,
        "user": caller.user if caller is not None else None,
        "nav": nav_for(caller.principal) if caller is not None else [],
        "csrf_token": web_sessions.csrf_token(secret),
        "text_size_class": TEXT_SIZE_CLASSES[caller.user.text_size if caller else "normal"],
        "current_path": request.url.path,
        "is_htmx": request.headers.get("hx-request") == "true",
        **(context or {}),
    }
    response = HTMLResponse(render_template(language, template, page), status_code=status)
    response.headers["cache-control"] = "no-store"
    if presession is not None and request.cookies.get(PRESESSION_COOKIE) != presession:
        set_cookie(request, response, PRESESSION_COOKIE, presession)
    return response


def _caller_for_error(request: Request) -> PageCaller | None:
    """The caller of a request that failed before (or without) loading one: looked up in a
    short session of its own, so the error page keeps the reader's language and menu."""
    caller = caller_of(request)
    # The request's session was rolled back (and closed) by the error: its objects are
    # expired and detached, so the caller is loaded again unless still fully loaded.
    if caller is not None and not sa_inspect(caller.user).expired_attributes:
        return caller
    try:
        with request.app.state.session_maker() as session:
            return load_caller(request, session)
    except Exception:  # the error page must render even when the database cannot answer
        log.exception("error page: the caller could not be loaded")
        return None


def render_not_found(request: Request) -> Response:
    """The one answer for missing and out of reach alike."""
    return render(request, "not_found.html", status=404, caller=_caller_for_error(request))


def render_error(
    request: Request, status: int, *, reason: str | None = None, detail: str | None = None
) -> Response:
    """``error.html``: a title for the status, a translated ``reason`` (a message id) and
    the error's own ``detail`` when it has one."""
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    context = {"status": status, "title": title, "reason": reason, "detail": detail}
    return render(request, "error.html", context, status=status, caller=_caller_for_error(request))
