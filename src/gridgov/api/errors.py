"""Translate errors into ``{"error": {"code", "message", "fields"}}`` with the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridgov.api.error_language import localized_error, pydantic_reason
from gridgov.errors import DomainError
from gridgov.http.language import api_language
from gridgov.i18n import N_, Message, localize

log = logging.getLogger(__name__)
INTERNAL_ERROR = N_("internal error; it has been logged")
# Starlette's own details (an unknown path, a method the path does not take): catalog ids.
STARLETTE_DETAILS = (N_("Not Found"), N_("Method Not Allowed"))


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


def _field_and_why(err: Mapping[str, Any], language: str = "en") -> tuple[str, str]:
    """A validation error's field and reason (in ``language``). Malformed JSON names the
    body (FastAPI puts the character's position where the field goes) and says where it
    breaks."""
    location = tuple(err.get("loc", ()))
    if err.get("type") == "json_invalid":
        context = err.get("ctx")
        error = str(context.get("error") or "") if isinstance(context, dict) else ""
        position = next((part for part in location if isinstance(part, int)), None)
        why = (
            Message(
                "malformed JSON at character %(position)s: %(error)s",
                position=position,
                error=error or Message("cannot be read"),
            )
            if position is not None
            else Message("malformed JSON: %(error)s", error=error or Message("cannot be read"))
        )
        return "body", why.render(language)
    return _field_name(location), pydantic_reason(language, err)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        message, fields = localized_error(api_language(request), exc.message, exc.fields)
        response = error_response(exc.status, exc.code, message, fields, exc.extra_body())
        # e.g. WWW-Authenticate on a 401 (gridgov.accounts.errors.NotAuthenticated)
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = api_language(request)
        fields: dict[str, str] = {}
        for err in exc.errors():
            field, why = _field_and_why(err, language)
            fields.setdefault(field, why)
        message = "; ".join(f"{name}: {why}" for name, why in fields.items())
        return error_response(422, "validation_failed", message, fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = localize(api_language(request), str(exc.detail))
        return error_response(exc.status_code, f"http_{exc.status_code}", message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace to the client; the log keeps it.
        log.exception("unhandled error", exc_info=exc)
        message = localize(api_language(request), INTERNAL_ERROR)
        return error_response(500, "internal_error", message)
