"""The error answers every operation documents in the OpenAPI, in one place.

``document_error_answers(app)`` runs once in ``create_app``: it wraps ``app.openapi`` (as
FastAPI's "extending OpenAPI" recipe does) so the schema it builds documents, on every
operation, the error answers the platform gives. A new route is documented without a line
of its own, and the schemathesis fuzz (tests/api/test_fuzz_openapi.py) holds every route
to it. A route's own ``responses=`` (a description, an extra field) are kept; only what is
missing is added.

- Under /api/v1 an error's body is ``{"error": {"code", "message", "fields"}}``
  (``ErrorBody``, api/errors.py), on every operation for 400 (a body or form that cannot
  be read at all), 404 (missing, or a ``territory=`` out of reach: the same answer) and
  422 (a field or parameter refused, named in ``fields``; it replaces FastAPI's default
  422, which has another shape); 401 and 403 on every operation that needs a login; 409
  and 413 on every operation that takes a body; a route's own error answers (auth's 423
  and 429) in the same shape.
- Under /open311/v2 every 4xx (400 for any refused parameter, never 422; 403, 404, 405,
  413) is the GeoReport v2 error list ``[{"code", "description"}]`` (``Open311ErrorItem``)
  or its ``<errors>`` document in XML, and a 200 comes in JSON or XML as the path's format
  says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

API_PREFIX = "/api/v1/"
OPEN311_PREFIX = "/open311/v2/"
BODY_METHODS = frozenset({"post", "put", "patch"})
SCHEMAS = "#/components/schemas/"
FASTAPI_422 = "Validation Error"  # the description of FastAPI's own 422

WHY = {
    400: "The request's body or form cannot be read (malformed, or not in its declared type).",
    401: "No valid bearer token (missing, unknown, expired or revoked).",
    403: "The caller's roles may never do this.",
    404: "Missing, or outside the caller's territory (the same answer for both).",
    409: "A conflict: a duplicate, a stale `version`, or a state that does not allow it.",
    413: "The body is over the size limit.",
    422: "A field or parameter was refused; `error.fields` names each one and says why.",
}
OPEN311_WHY = (
    "GeoReport v2 errors: 400 a refused parameter (named in the description), 403 a "
    "missing, unknown or revoked `api_key`, 404 no such service, request, token, "
    "jurisdiction or format, 405 a method the resource does not take, 413 a body over "
    "the size limit."
)
OPEN311_SUCCESS = "The answer, in the format the path names (.json or .xml)."


class ErrorDetail(BaseModel):
    # An error with more to say adds fields of its own (an import's ``rows``).
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fields: dict[str, str]


class ErrorBody(BaseModel):
    """Every error answer of /api/v1."""

    error: ErrorDetail


class Open311ErrorItem(BaseModel):
    """One error of a GeoReport v2 error answer (in JSON, the answer is a list of these)."""

    code: int
    description: str


def file_answer(*media_types: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route that answers a file (an export, a photo, a map) in one of
    these media types (without parameters: ``text/csv``, not ``text/csv; charset=utf-8``)."""
    content: dict[str, dict[str, Any]] = {
        media_type.split(";")[0].strip(): {} for media_type in media_types
    }
    return {status: {"description": "The file.", "content": content}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _api_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [400, 404, 422]
    if operation.get("security"):
        statuses += [401, 403]
    if method in BODY_METHODS:
        statuses += [409, 413]
    return sorted(statuses)


def _document_api(method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    error = _json({"$ref": f"{SCHEMAS}ErrorBody"})
    for status in _api_statuses(method, operation):
        own = responses.setdefault(str(status), {})
        if own.get("description", FASTAPI_422) == FASTAPI_422:
            own["description"] = WHY[status]
        if status == 422:
            own["content"] = error  # FastAPI's default 422 has another shape
    for status, own in responses.items():
        # A route's own error answers (auth's 423, 429) come in the same shape.
        if status.startswith("4") and "content" not in own:
            own["content"] = error


def _document_open311(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # Open311 answers 400 (api.open311_params)
    success = responses.setdefault("200", {})
    success["description"] = OPEN311_SUCCESS
    success["content"] = {"application/json": {}, "text/xml": {}}
    responses["4XX"] = {
        "description": OPEN311_WHY,
        "content": {
            **_json({"type": "array", "items": {"$ref": f"{SCHEMAS}Open311ErrorItem"}}),
            "text/xml": {},  # <errors><error><code/><description/></error></errors>
        },
    }


def _add_schemas(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, Open311ErrorItem):
        definition = model.model_json_schema(ref_template=SCHEMAS + "{model}")
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition
    # FastAPI's default 422 shapes, once nothing refers to them any more.
    if f"{SCHEMAS}HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def with_error_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the error answers of every operation of ``schema`` (in place)."""
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if path.startswith(API_PREFIX):
                _document_api(method, operation)
            elif path.startswith(OPEN311_PREFIX):
                _document_open311(operation)
    _add_schemas(schema)
    return schema


def document_error_answers(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document every operation's error answers."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_answers(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
