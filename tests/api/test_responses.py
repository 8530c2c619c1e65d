"""The OpenAPI documents every error answer the API gives (api/responses.py), in the shape it
gives it: the schemathesis fuzz found every 4xx undocumented and every 422 in FastAPI's
shape instead of the platform's."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.api.responses import ErrorBody, Open311ErrorItem
from tests.factories.access import bearer, make_user
from tests.factories.territory import make_tree

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _operations(schema: dict[str, Any], prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith(prefix)
        for method, operation in item.items()
    ]


def _error_schema(operation: dict[str, Any], status: str) -> Any:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_api_operation_documents_its_errors_in_the_platforms_shape(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    operations = _operations(schema, "/api/v1/")
    assert len(operations) > 60
    for method, path, operation in operations:
        for status in ("400", "404", "422"):
            assert _error_schema(operation, status) == ERROR_REF, (method, path, status)
        if operation.get("security"):
            for status in ("401", "403"):
                assert _error_schema(operation, status) == ERROR_REF, (method, path, status)
        if method in ("post", "put", "patch"):
            for status in ("409", "413"):
                assert _error_schema(operation, status) == ERROR_REF, (method, path, status)
    # A route's own description is kept (auth/token's lockout), FastAPI's 422 shape is gone.
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token["423"]["description"] == "locked after repeated failures"
    assert _error_schema(schema["paths"]["/api/v1/auth/token"]["post"], "423") == ERROR_REF
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_open311_documents_its_own_error_shape_and_both_formats(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = _operations(schema, "/open311/v2/")
    assert len(operations) == 7
    for method, path, operation in operations:
        responses = operation["responses"]
        assert "422" not in responses, (method, path)  # Open311 answers 400
        assert set(responses["200"]["content"]) == {"application/json", "text/xml"}
        items = _error_schema(operation, "4XX")["items"]
        assert items == {"$ref": "#/components/schemas/Open311ErrorItem"}, (method, path)


def test_the_documented_shapes_are_the_answers_shapes(client: TestClient, session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    user = make_user(session, role="unit_leader", territory_code=tree.all_units()[0].code)
    headers = bearer(session, user)
    answers = [
        client.get("/api/v1/households/none", headers=headers),  # 404
        client.get("/api/v1/households", params={"limit": 0}, headers=headers),  # 422
        client.get("/api/v1/households"),  # 401
        client.get("/api/v1/partition-plans", headers=headers),  # 403
        client.get(
            "/api/v1/households", headers={**headers, "Content-Type": "multipart/form-data"}
        ),  # 400: a form without its boundary
    ]
    assert [answer.status_code for answer in answers] == [404, 422, 401, 403, 400]
    for answer in answers:
        ErrorBody.model_validate(answer.json())
    refused = client.get("/open311/v2/requests.json", params={"status": "lost"})
    assert refused.status_code == 400
    [item] = [Open311ErrorItem.model_validate(item) for item in refused.json()]
    assert item.code == 400
