"""/api/v1/cases and /api/v1/case-categories: intake with idempotency, lists with filters,
the case with its timeline, reveal, duplicates and photos."""

from __future__ import annotations

import datetime as dt
import io
import threading
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from gridgov import clock
from gridgov.api.app import create_app
from gridgov.audit.queries import search_audit
from gridgov.cases.categories import seed_categories
from gridgov.cases.models import Case, CasePhoto
from gridgov.database.sessions import session_factory
from gridgov.settings import Settings
from tests.factories.access import bearer, make_user
from tests.factories.cases import centre, draw_polygons
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

API = "/api/v1"
# Monday 30 November 2026, 09:00 in Asia/Shanghai: a working morning.
MONDAY_9AM = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
THURSDAY = MONDAY_9AM + dt.timedelta(days=3)


@dataclass
class World:
    unit: str
    other_unit: str
    grid: str
    point: tuple[float, float]
    other_point: tuple[float, float]
    users: dict
    home: str = ""


@pytest.fixture
def world(session) -> World:
    seed_categories(session, actor="test")
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)
    draw_polygons(session, tree)
    grid = tree.all_grids()[0]
    unit, other_unit = tree.units[grid.code]
    home = make_household(session, unit=unit)
    users = {
        "resident": make_user(session, resident_id=make_resident(session, household=home).id),
        "unit": make_user(session, role="unit_leader", territory_code=unit.code),
        "other_unit": make_user(session, role="unit_leader", territory_code=other_unit.code),
        "grid": make_user(session, role="grid_leader", territory_code=grid.code),
        "admin": make_user(session, role="administrator"),
    }
    session.commit()
    points = (centre(unit), centre(other_unit))
    return World(unit.code, other_unit.code, grid.code, *points, users, home.id)


def _as(session, world: World, who: str) -> dict[str, str]:
    headers = bearer(session, world.users[who])
    session.commit()
    return headers


def _body(point: tuple[float, float], **fields) -> dict:
    return {
        "category_code": "sanitation.garbage",
        "description": "路口垃圾堆了三天",
        "lon": point[0],
        "lat": point[1],
        **fields,
    }


def _report(client, session, world, who="resident", point=None, key=None, **fields):
    headers = _as(session, world, who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"{API}/cases", json=_body(point or world.point, **fields), headers=headers)


def test_report_then_retry_with_the_same_key(client, session, world) -> None:
    with clock.frozen(MONDAY_9AM):
        first = _report(client, session, world, key="abc-1", reporter_contact="13800138000")
        assert first.status_code == 201, first.text
        case = first.json()
        assert (case["territory_code"], case["located_by"], case["level"]) == (
            world.unit,
            "point",
            "unit",
        )
        assert case["state"] == "reported" and case["channel"] == "api"
        assert case["reporter_contact"] == "138****8000"
        assert case["due_at"] == "2026-12-01T10:00:00+08:00" and case["overdue"] is False
        assert case["possible_duplicates"] == []
        again = _report(client, session, world, key="abc-1", reporter_contact="13800138000")
        assert again.status_code == 200 and again.json()["id"] == case["id"]
        changed = _report(client, session, world, key="abc-1", description="别的事")
        assert changed.status_code == 422
        assert set(changed.json()["error"]["fields"]) == {"idempotency_key"}
        second = _report(client, session, world, key="abc-2")
        assert second.status_code == 201
        assert [d["id"] for d in second.json()["possible_duplicates"]] == [case["id"]]
        assert second.json()["possible_duplicates"][0]["distance_m"] == 0.0
    assert session.scalar(select(func.count()).select_from(Case)) == 2


def test_bad_reports_name_the_field(client, session, world) -> None:
    outside = _report(client, session, world, point=(100.0, 10.0))
    assert outside.status_code == 422
    assert {"lon", "lat"} <= set(outside.json()["error"]["fields"])
    assert "outside the territory" in outside.json()["error"]["fields"]["lon"]
    unknown = _report(client, session, world, category_code="nope", description="")
    assert set(unknown.json()["error"]["fields"]) == {"category_code", "description"}
    extra = _report(client, session, world, channel="cli")
    assert extra.status_code == 422 and "channel" in extra.json()["error"]["fields"]
    # Neither a point nor a household: the resident's own household locates it.
    headers = _as(session, world, "resident")
    own = client.post(
        f"{API}/cases",
        json={"category_code": "dispute.noise", "description": "楼上半夜吵"},
        headers=headers,
    )
    assert own.status_code == 201 and own.json()["located_by"] == "reporter"
    nowhere = client.post(
        f"{API}/cases",
        json={"category_code": "dispute.noise", "description": "吵"},
        headers=_as(session, world, "grid"),
    )
    assert nowhere.status_code == 422 and set(nowhere.json()["error"]["fields"]) == {"location"}
    assert session.scalar(select(func.count()).select_from(Case)) == 1


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_lists_are_scoped_and_filtered(client, session, world) -> None:
    with clock.frozen(MONDAY_9AM):
        mine = _report(client, session, world).json()["id"]
        safety = _report(client, session, world, who="grid", category_code="safety.fire").json()[
            "id"
        ]
        there = _report(client, session, world, who="admin", point=world.other_point).json()["id"]
    with clock.frozen(THURSDAY):
        get = lambda who, **params: client.get(  # noqa: E731
            f"{API}/cases", params=params, headers=_as(session, world, who)
        )
        assert set(_ids(get("admin"))) == {mine, safety, there}
        assert set(_ids(get("unit"))) == {mine, safety}
        assert _ids(get("other_unit")) == [there]
        assert _ids(get("resident")) == [mine]  # what they reported, nothing else
        assert set(_ids(get("grid", territory=world.other_unit))) == {there}
        assert _ids(get("admin", level="village")) == [safety]
        assert _ids(get("admin", category="safety")) == [safety]
        assert set(_ids(get("admin", category="sanitation"))) == {mine, there}
        assert _ids(get("unit", mine="true")) == [mine]
        assert _ids(get("other_unit", mine="true")) == [there]
        assert _ids(get("grid", mine="true")) == []
        assert _ids(get("grid", reported_by_me="true")) == [safety]
        overdue = get("admin", overdue="true")
        assert set(_ids(overdue)) == {mine, there, safety}
        assert all(item["overdue"] for item in overdue.json()["items"])
        assert _ids(get("admin", state="closed")) == []
        page = get("admin", limit=1, offset=1).json()
        assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 1, 1, 1)
        # A case about the resident's own household: theirs to read too.
        about_home = client.post(
            f"{API}/cases",
            json={
                "category_code": "welfare.elderly",
                "description": "独居老人",
                "household_id": world.home,
            },
            headers=_as(session, world, "unit"),
        ).json()["id"]
        assert set(_ids(get("resident"))) == {mine, about_home}
        assert _ids(get("admin", household_id=world.home)) == [about_home]
        assert _ids(get("other_unit", household_id=world.home)) == []
        bad = get("admin", state="lost")
        assert bad.status_code == 422 and "state" in bad.json()["error"]["fields"]


def test_one_case_with_timeline_reveal_and_scope(client, session, world) -> None:
    case_id = _report(client, session, world, reporter_contact="13800138000").json()["id"]
    detail = client.get(f"{API}/cases/{case_id}", headers=_as(session, world, "unit"))
    assert detail.status_code == 200
    body = detail.json()
    assert [(e["seq"], e["action"], e["to_state"]) for e in body["timeline"]] == [
        (1, "report", "reported")
    ]
    assert body["photos"] == [] and body["reporter_contact"] == "138****8000"
    assert (
        client.get(f"{API}/cases/{case_id}", headers=_as(session, world, "other_unit")).status_code
        == 404
    )
    assert client.get(f"{API}/cases/nope", headers=_as(session, world, "unit")).status_code == 404
    assert (
        client.get(f"{API}/cases/{case_id}", headers=_as(session, world, "resident")).status_code
        == 200
    )
    shown = client.get(
        f"{API}/cases/{case_id}",
        params={"reveal": "true", "reason": "calling the reporter back"},
        headers=_as(session, world, "grid"),
    )
    assert shown.json()["reporter_contact"] == "13800138000"
    entries, total = search_audit(session, action="reveal", object_id=case_id)
    assert total == 1 and entries[0].changes["fields"] == [
        "reporter_contact",
        "reporter_email",
    ]
    no_reason = client.get(
        f"{API}/cases/{case_id}", params={"reveal": "true"}, headers=_as(session, world, "grid")
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    resident = client.get(
        f"{API}/cases/{case_id}",
        params={"reveal": "true", "reason": "my own number"},
        headers=_as(session, world, "resident"),
    )
    assert resident.status_code == 403


def test_a_case_reveal_takes_the_residents_reason_rule(client, session, world) -> None:
    case_id = _report(client, session, world, reporter_contact="13800138000").json()["id"]
    for reason in ("   ", " a b c "):
        refused = client.get(
            f"{API}/cases/{case_id}",
            params={"reveal": "true", "reason": reason},
            headers=_as(session, world, "grid"),
        )
        assert refused.status_code == 422 and "reason" in refused.json()["error"]["fields"]
    shown = client.get(
        f"{API}/cases/{case_id}",
        params={"reveal": "true", "reason": "  call back  "},
        headers=_as(session, world, "grid"),
    )
    assert shown.json()["reporter_contact"] == "13800138000"
    entries, total = search_audit(session, action="reveal", object_id=case_id)
    assert total == 1 and entries[0].changes["reason"] == "call back"


def test_duplicates_of_a_case(client, session, world) -> None:
    first = _report(client, session, world).json()["id"]
    second = _report(client, session, world).json()["id"]
    _report(client, session, world, point=world.other_point)  # another unit, > 100 m away
    found = client.get(f"{API}/cases/{second}/duplicates", headers=_as(session, world, "unit"))
    assert found.status_code == 200
    assert [d["id"] for d in found.json()["items"]] == [first]
    hidden = client.get(
        f"{API}/cases/{second}/duplicates", headers=_as(session, world, "other_unit")
    )
    assert hidden.status_code == 404
    # Someone else's case nearby is not named to a resident who may not read it.
    theirs = _report(client, session, world, who="admin").json()["id"]
    own = _report(client, session, world, description="又堆了").json()
    assert {d["id"] for d in own["possible_duplicates"]} == {first, second}
    seen = client.get(f"{API}/cases/{own['id']}/duplicates", headers=_as(session, world, "unit"))
    assert {d["id"] for d in seen.json()["items"]} == {first, second, theirs}


def _png(size=(20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photos_are_checked_stored_and_served_in_scope(client, session, world, tmp_path) -> None:
    client.app.state.settings = Settings(
        data_dir=tmp_path, environment="test", max_photo_bytes=4096
    )
    case_id = _report(client, session, world).json()["id"]
    url = f"{API}/cases/{case_id}/photos"
    data = _png()
    added = client.post(
        url, files={"file": ("x.png", data, "image/png")}, headers=_as(session, world, "resident")
    )
    assert added.status_code == 201, added.text
    photo = added.json()
    assert photo["content_type"] == "image/png" and photo["size_bytes"] == len(data)
    assert (tmp_path / "photos" / case_id / f"{photo['id']}.png").read_bytes() == data
    served = client.get(photo["url"], headers=_as(session, world, "unit"))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    assert client.get(photo["url"], headers=_as(session, world, "other_unit")).status_code == 404
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, format="GIF")
    refused = client.post(
        url,
        files={"file": ("x.jpg", gif.getvalue(), "image/jpeg")},
        headers=_as(session, world, "unit"),
    )
    assert refused.status_code == 422 and set(refused.json()["error"]["fields"]) == {"file"}
    big = client.post(
        url,
        files={"file": ("big.png", data + b"\0" * 5000, "image/png")},
        headers=_as(session, world, "unit"),
    )
    assert big.status_code == 413 and set(big.json()["error"]["fields"]) == {"file"}
    after = client.post(
        url,
        files={"file": ("after.png", data, "image/png")},
        data={"kind": "after"},
        headers=_as(session, world, "resident"),
    )
    assert after.status_code == 403  # the reporter adds report photos, not the handler's
    out_of_reach = client.post(
        url, files={"file": ("x.png", data, "image/png")}, headers=_as(session, world, "other_unit")
    )
    assert out_of_reach.status_code == 404
    detail = client.get(f"{API}/cases/{case_id}", headers=_as(session, world, "unit")).json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert session.scalar(select(func.count()).select_from(CasePhoto)) == 1


def test_categories_read_by_all_edited_by_the_administrator(client, session, world) -> None:
    listed = client.get(
        f"{API}/case-categories", params={"limit": 1000}, headers=_as(session, world, "resident")
    )
    assert listed.status_code == 200
    codes = [item["code"] for item in listed.json()["items"]]
    assert "sanitation.garbage" in codes and listed.json()["total"] == len(codes)
    new = {
        "code": "sanitation.dogs",
        "parent_code": "sanitation",
        "name_zh": "流浪狗",
        "name_en": "Stray dogs",
        "default_level": "grid",
        "deadlines": {"grid": {"days": 2}, "village": {"days": 3}, "town": {"days": 5}},
    }
    denied = client.post(f"{API}/case-categories", json=new, headers=_as(session, world, "grid"))
    assert denied.status_code == 403
    admin = _as(session, world, "admin")
    created = client.post(f"{API}/case-categories", json=new, headers=admin)
    assert created.status_code == 201 and created.json()["version"] == 1
    bad = client.patch(
        f"{API}/case-categories/sanitation.dogs",
        json={"deadlines": {"grid": {"weeks": 1}, "village": {"days": 3}, "town": {"days": 5}}},
        headers=admin,
    )
    assert bad.status_code == 422 and "deadlines.grid" in bad.json()["error"]["fields"]
    retired = client.patch(
        f"{API}/case-categories/sanitation.dogs",
        json={"active": False, "version": 1},
        headers=admin,
    )
    assert retired.status_code == 200 and retired.json()["active"] is False
    stale = client.patch(
        f"{API}/case-categories/sanitation.dogs",
        json={"public": False, "version": 1},
        headers=admin,
    )
    assert stale.status_code == 409
    assert client.patch(f"{API}/case-categories/nope", json={}, headers=admin).status_code == 404
    refused = _report(client, session, world, category_code="sanitation.dogs")
    assert refused.status_code == 422 and "category_code" in refused.json()["error"]["fields"]
    active = client.get(f"{API}/case-categories", headers=admin).json()["items"]
    assert "sanitation.dogs" not in [item["code"] for item in active]


def test_concurrent_posts_with_one_key_create_one_case(fresh_database, tmp_path) -> None:
    """Eight clients send the same report with the same key at once (real commits)."""
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite serializes writers; the race is PostgreSQL's")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        seed_categories(setup, actor="test")
        tree = make_tree(setup, villages=1, grids_per_village=1, units_per_grid=1)
        draw_polygons(setup, tree)
        point = centre(tree.all_units()[0])
        headers = bearer(
            setup, make_user(setup, role="grid_leader", territory_code=tree.all_grids()[0].code)
        )
    app = create_app(settings=Settings(data_dir=tmp_path, environment="test"), session_maker=maker)
    client = TestClient(app)
    start = threading.Barrier(8)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        start.wait()
        response = client.post(
            f"{API}/cases", json=_body(point), headers={**headers, "Idempotency-Key": "same"}
        )
        answers.append((response.status_code, response.json().get("id", response.text)))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 7 + [201], answers
    assert len({case_id for _, case_id in answers}) == 1
    with maker() as check:
        assert check.scalar(select(func.count()).select_from(Case)) == 1
