"""What the pages answer when something goes wrong, as pages (never the API's JSON):

- missing or out of reach (a DomainError 404, an unknown path): ``not_found.html``, 404;
- not signed in: a redirect to ``/signin?next=...`` (htmx: ``HX-Redirect``);
- a password to change first: a redirect to ``/password``;
- a missing or wrong CSRF token: ``error.html``, 403, saying why;
- any other refusal: ``error.html`` with its status; an unexpected error: 500 (logged).

``install_page_errors`` wraps the app's handlers: API and Open311 paths keep theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gridgov.accounts.errors import NotAuthenticated, PasswordChangeRequired
from gridgov.errors import DomainError
from gridgov.http.paths import is_page_path
from gridgov.i18n import N_
from gridgov.web.rendering import render_error, render_not_found

log = logging.getLogger(__name__)
Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


class SignInRequired(Exception):
    """The page needs a signed-in user."""


class PasswordChangeFirst(Exception):
    """The user's password was reset: only the password page until it is changed."""


class CsrfRefused(Exception):
    """A state-changing page request without the right CSRF token."""


CSRF_REASON = N_(
    "The form had expired or did not come from this site, so nothing was done. "
    "Go back, reload the page and try again."
)


def redirect(request: Request, url: str) -> Response:
    """A redirect a browser follows, and htmx follows as a full page load."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/signin?next={quote(target, safe='')}")


async def _page_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired | NotAuthenticated):
        return sign_in_redirect(request)
    if isinstance(exc, PasswordChangeFirst | PasswordChangeRequired):
        return redirect(request, "/password")
    if isinstance(exc, CsrfRefused):
        return render_error(request, 403, reason=CSRF_REASON)
    if isinstance(exc, DomainError):
        if exc.status == 404:
            return render_not_found(request)
        return render_error(request, exc.status, detail=exc.message)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return render_not_found(request)
        return render_error(request, exc.status_code)
    if isinstance(exc, RequestValidationError):
        return render_error(request, 422)
    log.exception("unhandled error on a page", exc_info=exc)
    return render_error(request, 500)


def install_page_errors(app: FastAPI) -> None:
    """Route every error of a page path to the page handlers; others keep the app's."""
    for kind in (DomainError, StarletteHTTPException, RequestValidationError, Exception):
        app.exception_handlers[kind] = _dispatch(app.exception_handlers.get(kind))
    for kind in (SignInRequired, PasswordChangeFirst, CsrfRefused):
        app.exception_handlers[kind] = _page_error


def _dispatch(api_handler: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_page_path(request.url.path) or api_handler is None:
            return await _page_error(request, exc)
        answer = api_handler(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    return handle
