from __future__ import annotations

import pytest

from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

# The API needs a token: these tests act as an administrator of the whole platform.
pytestmark = pytest.mark.usefixtures("as_administrator")


@pytest.fixture
def people(session):
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    residents = [make_resident(session, household=household) for _ in range(2)]
    session.commit()
    return tree, residents


def test_appoint_list_handover_and_history(client, people) -> None:
    tree, residents = people
    grid = tree.all_grids()[0].code
    created = client.post(
        "/api/v1/posts",
        json={
            "resident_id": residents[0].id,
            "post_type": "grid_leader",
            "territory_code": grid,
            "start_date": "2026-01-05",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["resident_name"] == residents[0].name
    assert created.json()["created_at"].endswith("+08:00")

    second = client.post(
        "/api/v1/posts",
        json={
            "resident_id": residents[1].id,
            "post_type": "grid_leader",
            "territory_code": grid,
            "start_date": "2026-01-05",
        },
    )
    assert second.status_code == 409
    assert second.json()["error"]["fields"] == {"post_type": "already held"}

    handed = client.post(
        "/api/v1/posts/handover",
        json={
            "post_type": "grid_leader",
            "territory_code": grid,
            "resident_id": residents[1].id,
            "on_date": "2026-02-01",
        },
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["ended"]["end_date"] == "2026-02-01"

    current = client.get("/api/v1/posts", params={"territory": grid}).json()
    assert current["total"] == 1 and current["items"][0]["resident_id"] == residents[1].id
    history = client.get("/api/v1/posts", params={"territory": grid, "current": "all"}).json()
    assert history["total"] == 2
    other_grid = tree.all_grids()[1].code
    assert client.get("/api/v1/posts", params={"territory": other_grid}).json()["total"] == 0


def test_bad_input_names_the_field(client, people) -> None:
    _tree, residents = people
    response = client.post(
        "/api/v1/posts",
        json={
            "resident_id": residents[0].id,
            "post_type": "grid_leader",
            "territory_code": "350305108",
            "start_date": "not a date",
        },
    )
    assert response.status_code == 422
    assert "start_date" in response.json()["error"]["fields"]
    assert client.get("/api/v1/posts/nope").status_code == 404
    assert client.get("/api/v1/posts", params={"territory": "abc"}).status_code == 422


def test_end_post_keeps_it_in_history(client, people) -> None:
    tree, residents = people
    unit = tree.all_units()[0].code
    post = client.post(
        "/api/v1/posts",
        json={
            "resident_id": residents[0].id,
            "post_type": "unit_leader",
            "territory_code": unit,
            "start_date": "2026-01-05",
        },
    ).json()
    ended = client.post(
        f"/api/v1/posts/{post['id']}/end", json={"end_date": "2026-03-01", "reason": "moved away"}
    )
    assert ended.status_code == 200 and ended.json()["current"] is False
    assert client.get(f"/api/v1/posts/{post['id']}").json()["end_date"] == "2026-03-01"
    types = {kind["code"] for kind in client.get("/api/v1/post-types").json()}
    assert {"grid_leader", "unit_leader", "village_secretary"} <= types
