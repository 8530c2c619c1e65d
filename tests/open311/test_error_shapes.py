"""405, 413 and 500 under /open311/v2 answer in Open311's error shape, in the format the path
names (issue 10, finding 11); a 405 says in ``Allow`` what the resource takes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.open311 import queries
from gridgov.settings import Settings
from tests.open311.georeport import BASE, FORMATS, assert_error

BODY_LIMIT = 2048


@pytest.fixture
def small_client(session_maker, tmp_path) -> Iterator[TestClient]:
    """An app refusing bodies over BODY_LIMIT bytes."""
    settings = Settings(data_dir=tmp_path, environment="test", max_body_bytes=BODY_LIMIT)
    app = create_app(settings=settings, session_maker=session_maker)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_method_a_resource_does_not_take_answers_405_with_allow(client, world, fmt) -> None:
    for path, allowed in (
        ("requests", "GET, POST"),
        ("requests/abc", "GET"),
        ("services", "GET"),
        ("services/sanitation.garbage", "GET"),
        ("tokens/abc", "GET"),
        ("discovery", "GET"),
    ):
        for method in ("PUT", "PATCH", "DELETE"):
            response = client.request(method, f"{BASE}/{path}.{fmt}")
            assert_error(response, fmt, 405, method, allowed)
            assert response.headers["allow"] == allowed
    assert_error(client.put(f"{BASE}/nothing.{fmt}"), fmt, 404, "no resource")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_over_the_limit_answers_413_in_open311s_shape(small_client, world, fmt) -> None:
    form = {"api_key": world.key, "service_code": "sanitation.garbage"}
    declared = small_client.post(f"{BASE}/requests.{fmt}", data={**form, "x": "y" * BODY_LIMIT})
    assert_error(declared, fmt, 413, str(BODY_LIMIT))

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"description=" + b"y" * BODY_LIMIT
        yield b"y" * BODY_LIMIT

    chunked = small_client.post(
        f"{BASE}/requests.{fmt}",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(chunked, fmt, 413, str(BODY_LIMIT))
    # The platform's own answers keep their shape.
    platform = small_client.post("/api/v1/auth/token", data={"password": "y" * BODY_LIMIT})
    assert platform.status_code == 413
    assert platform.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unexpected_error_answers_500_in_open311s_shape(
    client, world, monkeypatch, caplog, fmt
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "public_requests", broken)
    response = client.get(f"{BASE}/requests.{fmt}")
    assert_error(response, fmt, 500, "internal error")
    assert "a bug" not in response.text
    assert "a bug" in caplog.text  # the log keeps it
