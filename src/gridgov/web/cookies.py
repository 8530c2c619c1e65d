"""The pages' cookies: the session, the pre-session (the sign-in form's CSRF secret) and a
signed-out reader's language. All HttpOnly and SameSite=Lax; Secure whenever the request
came over HTTPS (directly, or through a proxy uvicorn trusts: X-Forwarded-Proto)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gridgov.accounts.web_sessions import SESSION_COOKIE  # noqa: F401 - the pages import it here

PRESESSION_COOKIE = "gridgov_presession"
LANGUAGE_COOKIE = "gridgov_lang"
YEAR = 365 * 24 * 3600


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))
