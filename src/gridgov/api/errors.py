"""Translate errors into ``{"error": {"code", "message", "fields"}}`` with the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridgov.errors import DomainError

log = logging.getLogger(__name__)


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **(extra or {})}}
    return JSONResponse(status_code=status, content=body)


def _field_name(location: tuple[object, ...]) -> str:
    # ("body", "household_no") -> "household_no"; ("query", "limit") -> "limit"
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _field_and_why(err: Mapping[str, Any]) -> tuple[str, str]:
    """A validation error's field and reason. Malformed JSON names the body (FastAPI puts
    the character's position where the field goes) and says where it breaks."""
    location = tuple(err.get("loc", ()))
    if err.get("type") == "json_invalid":
        context = err.get("ctx")
        error = context.get("error") if isinstance(context, dict) else None
        position = next((part for part in location if isinstance(part, int)), None)
        where = f" at character {position}" if position is not None else ""
        return "body", f"malformed JSON{where}: {error or 'cannot be read'}"
    return _field_name(location), str(err.get("msg"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        response = error_response(exc.status, exc.code, exc.message, exc.fields, exc.extra_body())
        # e.g. WWW-Authenticate on a 401 (gridgov.accounts.errors.NotAuthenticated)
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        for err in exc.errors():
            field, why = _field_and_why(err)
            fields.setdefault(field, why)
        message = "; ".join(f"{name}: {why}" for name, why in fields.items())
        return error_response(422, "validation_failed", message, fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace to the client; the log keeps it.
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "internal error; it has been logged")
