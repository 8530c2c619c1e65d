"""``page_router()``: the APIRouter every page module uses. It carries the CSRF check (so no
page POST can forget it) and keeps pages out of the API's OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from gridgov.web.csrf import check_csrf


def page_router() -> APIRouter:
    return APIRouter(
        dependencies=[Depends(check_csrf)],
        include_in_schema=False,
        default_response_class=HTMLResponse,
    )


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
