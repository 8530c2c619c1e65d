from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from gridgov import clock, crypto
from gridgov.api.app import create_app
from gridgov.errors import NotMigrated
from gridgov.settings import Settings
from tests.factories.access import bearer, make_user
from tests.factories.territory import make_tree


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_docs_are_served_without_a_cdn(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr" not in page.text and "unpkg" not in page.text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "gridgov"


def test_server_refuses_an_unmigrated_database(fresh_database, tmp_path) -> None:
    with pytest.raises(NotMigrated, match="gridgov db upgrade"):
        create_app(settings=Settings(data_dir=tmp_path), engine=fresh_database.engine)


def test_body_over_the_limit_is_refused_with_413(session_maker, tmp_path) -> None:
    from fastapi.testclient import TestClient

    app = create_app(
        settings=Settings(data_dir=tmp_path, max_body_bytes=100), session_maker=session_maker
    )
    with TestClient(app) as small:
        response = small.post(
            "/api/v1/posts", content=b"x" * 500, headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_unknown_route_answers_the_error_shape(client) -> None:
    body = client.get("/api/v1/nothing-here").json()
    assert body["error"]["code"] == "http_404"


def test_the_settings_given_to_the_app_reach_timestamps_and_the_key_ring(
    session, session_maker, tmp_path
) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    headers = bearer(session, make_user(session, role="administrator"))
    session.commit()
    newest = crypto.new_encryption_key()
    settings = Settings(
        data_dir=tmp_path,
        environment="test",
        timezone="UTC",
        encryption_keys=f"{newest},{Settings().encryption_keys}",
    )
    with TestClient(create_app(settings=settings, session_maker=session_maker)) as app:
        shown = app.get(f"/api/v1/territories/{tree.town.code}", headers=headers)
    assert shown.status_code == 200, shown.text
    created_at = shown.json()["created_at"]
    assert created_at.endswith("+00:00")  # UTC, not the default +08:00
    assert dt.datetime.fromisoformat(created_at) == tree.town.created_at
    assert clock.zone().key == "UTC"
    assert crypto.key_ring().current_id == newest.split(":")[0]  # encrypts with its key
