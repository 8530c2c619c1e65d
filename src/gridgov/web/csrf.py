"""CSRF: every state-changing page request carries the token bound to the browser's
session (or, signed out, to its pre-session): the form field ``csrf_token`` or, for htmx
and scripts, the ``X-CSRF-Token`` header (``static/js/app.js`` copies it from the page's
``<meta name="csrf-token">``). Every page router carries ``check_csrf``; the API's bearer
calls do not pass through it (a bearer token is no ambient credential).
"""

from __future__ import annotations

from fastapi import Request

from gridgov.accounts.web_sessions import csrf_matches
from gridgov.http.sessions import SAFE_METHODS
from gridgov.web.cookies import PRESESSION_COOKIE, SESSION_COOKIE
from gridgov.web.errors import CsrfRefused

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def presented_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request) -> None:
    """Refuse (403, a page saying why) an unsafe request without the right token."""
    if request.method in SAFE_METHODS:
        return
    presented = await presented_token(request)
    secrets = (request.cookies.get(SESSION_COOKIE), request.cookies.get(PRESESSION_COOKIE))
    if not any(csrf_matches(secret, presented) for secret in secrets):
        raise CsrfRefused
