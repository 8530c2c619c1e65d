"""One input rule at the door of /api/v1 (issue #10), on both databases.

Walks the app's route table (its OpenAPI), so a new route is covered without a line here:
every query and path parameter refuses a control or text-direction character with 422
naming it, every JSON body is an ``Input`` whose text fields refuse one, every paged list
refuses an ``offset`` past 2**31, every date parameter refuses a day outside 1900-2199.
Before the rule, PostgreSQL answered 500 on a NUL (SQLite stored it) and 2**63 as an
offset answered 500 on both.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from gridgov.api.app import create_app
from gridgov.settings import Settings
from tests.factories.access import bearer, make_user
from tests.factories.cases import make_case
from tests.factories.registry import make_household
from tests.factories.territory import Tree, make_tree

API = "/api/v1"
# Characters no field holds (NUL, another C0, DEL, C1, the bidi override and isolate).
REFUSED = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"]
# What a one-line field also refuses; a multi-line one accepts them.
LINE_BREAKS = ["\n", "\t"]


@dataclass
class World:
    tree: Tree
    admin: dict[str, str]
    grid_leader: dict[str, str]
    household_id: str
    case_id: str


@pytest.fixture
def world(session: Session) -> World:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    grid = tree.grids[tree.villages[0].code][0]
    unit = tree.units[grid.code][0]
    household = make_household(session, unit=unit)
    case = make_case(session, household=household)
    world = World(
        tree=tree,
        admin=bearer(session, make_user(session, role="administrator")),
        grid_leader=bearer(
            session, make_user(session, role="grid_leader", territory_code=grid.code)
        ),
        household_id=household.id,
        case_id=case.id,
    )
    session.commit()
    return world


def _operations(client: TestClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in client.app.openapi()["paths"].items():
        if path.startswith(f"{API}/"):
            for method, operation in methods.items():
                yield method.upper(), path, operation


def _parameters(operation: dict[str, Any], where: str) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == where]


def _fill(path: str, value: str = "x") -> str:
    """The path with each ``{name}`` replaced by ``value``."""
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + value + path[end + 1 :]
    return path


def _fields(response: Any) -> dict[str, str]:
    return response.json()["error"]["fields"]


# --- query and path parameters ------------------------------------------------------------


@pytest.mark.parametrize("char", REFUSED + LINE_BREAKS, ids=repr)
def test_every_query_parameter_refuses_control_characters(client, world, char) -> None:
    tried = 0
    for method, path, operation in _operations(client):
        names = _parameters(operation, "query") or ["anything"]
        for name in names:
            response = client.request(
                method, _fill(path), params={name: f"a{char}b"}, headers=world.admin
            )
            assert response.status_code == 422, (method, path, name, response.text)
            assert name in _fields(response), (method, path, response.text)
            tried += 1
    assert tried > 60


@pytest.mark.parametrize("char", REFUSED + LINE_BREAKS, ids=repr)
def test_every_path_parameter_refuses_control_characters(client, world, char) -> None:
    tried = 0
    for method, path, operation in _operations(client):
        for name in _parameters(operation, "path"):
            filled = _fill(path.replace(f"{{{name}}}", quote(f"a{char}b", safe="")))
            response = client.request(method, filled, headers=world.admin)
            assert response.status_code == 422, (method, filled, response.text)
            assert name in _fields(response), (method, path, response.text)
            tried += 1
    assert tried > 30


def test_the_issues_examples_answer_422_naming_the_parameter(client, world) -> None:
    """Issue #10, finding 5: PostgreSQL answered 500 to each (SQLite stored the NUL)."""
    public = client.get(f"{API}/territories?q=%00")  # no login needed
    assert public.status_code == 422 and set(_fields(public)) == {"q"}
    household = client.get(f"{API}/households/%00", headers=world.admin)
    assert household.status_code == 422 and set(_fields(household)) == {"household_id"}
    login = client.post(f"{API}/auth/token", data={"username": "a\x00b", "password": "x"})
    assert login.status_code == 422 and set(_fields(login)) == {"username"}
    unlogged = client.get(f"{API}/households/%E2%80%AE", headers=world.admin)
    assert unlogged.status_code == 422 and "U+202E" in _fields(unlogged)["household_id"]


def test_a_form_field_sent_twice_is_refused(client, world) -> None:
    sent = client.post(
        f"{API}/auth/token",
        content=b"username=a&username=b&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert sent.status_code == 422 and set(_fields(sent)) == {"username"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def test_a_photo_upload_with_two_file_parts_is_refused(client, world) -> None:
    """Finding 12: it silently kept the last one."""
    data = _png()
    response = client.post(
        f"{API}/cases/{world.case_id}/photos",
        files=[("file", ("a.png", data, "image/png")), ("file", ("b.png", data, "image/png"))],
        headers=world.admin,
    )
    assert response.status_code == 422, response.text
    assert set(_fields(response)) == {"file"}
    one = client.post(
        f"{API}/cases/{world.case_id}/photos",
        files={"file": ("a.png", data, "image/png")},
        headers=world.admin,
    )
    assert one.status_code == 201, one.text


# --- JSON bodies ----------------------------------------------------------------------------


def _is_text(annotation: Any) -> bool:
    """``str``, ``str | None`` or an Annotated ``str`` (the validation module's types)."""
    if annotation is str:
        return True
    if get_origin(annotation) in (Union, UnionType, Annotated):
        return any(_is_text(arg) for arg in get_args(annotation) if arg is not type(None))
    return False


def _is_text_list(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_text_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) is list and _is_text(get_args(annotation)[0])


def _body_models(client: TestClient) -> Iterator[tuple[str, str, type]]:
    for context in iter_route_contexts(client.app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or not context.path.startswith(f"{API}/"):
            continue
        for param in route.dependant.body_params:
            annotation = param.field_info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                for method in route.methods:
                    yield method, context.path, annotation


def test_every_json_body_is_an_input_model(client) -> None:
    from gridgov.validation import Input

    models = list(_body_models(client))
    assert len(models) > 15
    for method, path, model in models:
        assert issubclass(model, Input), f"{method} {path}: {model.__name__} is not an Input"


@pytest.mark.parametrize("char", REFUSED, ids=repr)
def test_every_text_field_of_every_body_refuses_control_characters(client, world, char) -> None:
    tried = 0
    for method, path, model in _body_models(client):
        for name, field in model.model_fields.items():
            if _is_text(field.annotation):
                value: Any = f"abcdef{char}gh"
            elif _is_text_list(field.annotation):
                value = [f"abcdef{char}gh"]
            else:
                continue
            response = client.request(
                method, _fill(path, "x"), json={name: value}, headers=world.admin
            )
            assert response.status_code == 422, (method, path, name, response.text)
            # a list's item is named by its position (household_ids.0), a field by its name
            why = " ".join(
                text
                for key, text in _fields(response).items()
                if key == name or key.startswith(f"{name}.")
            )
            assert f"U+{ord(char):04X}" in why, (method, path, name, response.text)
            tried += 1
    assert tried > 50


def test_multi_line_fields_take_tab_and_newline_and_one_line_fields_do_not(client, world) -> None:
    village = world.tree.villages[0].code
    body = {"village_code": village, "household_no": "ML-1", "address": "一路\t1号\r\n二楼"}
    created = client.post(f"{API}/households", json=body, headers=world.admin)
    assert created.status_code == 201, created.text
    assert created.json()["address"] == "一路\t1号\n二楼"  # CRLF stored as a newline
    for field, value in (("household_no", "ML\n2"), ("address", "一路\r1号")):
        refused = client.post(
            f"{API}/households",
            json={**body, "household_no": "ML-3", field: value},
            headers=world.admin,
        )
        assert refused.status_code == 422 and field in _fields(refused), refused.text
    note = client.post(
        f"{API}/cases/{world.case_id}/transitions",
        json={"action": "accept", "note": "第一行\n第二行"},
        headers=world.admin,
    )
    assert note.status_code in (200, 403, 422), note.text
    assert "note" not in (_fields(note) if note.status_code == 422 else {})


def test_malformed_json_names_the_body_and_says_where(client, world) -> None:
    """Finding 12: it was reported as {"fields": {"17": "JSON decode error"}}."""
    response = client.post(
        f"{API}/households",
        content=b'{"village_code": ,}',
        headers={**world.admin, "content-type": "application/json"},
    )
    assert response.status_code == 422
    fields = _fields(response)
    assert set(fields) == {"body"}
    assert "malformed JSON at character" in fields["body"]


def test_numbers_in_bodies_are_bounded(client, world) -> None:
    response = client.patch(
        f"{API}/households/{world.household_id}", json={"version": 2**63}, headers=world.admin
    )
    assert response.status_code == 422 and set(_fields(response)) == {"version"}


# --- offsets and dates -------------------------------------------------------------------------


def test_every_paged_list_refuses_an_offset_past_2_to_the_31(client, world) -> None:
    """Finding 2: 2**63 answered 500 (SQLite OverflowError, PostgreSQL bigint out of range)."""
    lists = [
        (method, path)
        for method, path, operation in _operations(client)
        if "offset" in _parameters(operation, "query")
    ]
    assert len(lists) >= 12
    village = world.tree.villages[0].code
    required = {  # lists with a required parameter
        f"{API}/search/messages": {"q": "台风"},
        f"{API}/contact-assignments": {"territory": village},
        f"{API}/contacts/due": {"territory": village},
    }
    for method, path in lists:
        filled = _fill(path, world.case_id if "cases" in path else world.household_id)
        for offset in (2**31 + 1, 2**63, 2**64):
            response = client.request(
                method,
                filled,
                params={"offset": offset, **required.get(path, {})},
                headers=world.admin,
            )
            assert response.status_code == 422, (path, offset, response.text)
            assert set(_fields(response)) == {"offset"}, (path, response.text)
        last = client.request(
            method, filled, params={"offset": 2**31, **required.get(path, {})}, headers=world.admin
        )
        assert last.status_code in (200, 404), (path, last.text)


def test_every_date_parameter_is_between_1900_and_2199(client, world) -> None:
    """Finding 4 and 12: 0001-01-01 and 9999-12-31 answered 500 on the report and the cases
    export; PUT /calendar-days/9999-12-31 was accepted while ?year= stopped at 2999."""
    town = world.tree.town.code
    for day in ("0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"):
        put = client.put(
            f"{API}/calendar-days/{day}",
            json={"is_workday": False, "name": "x"},
            headers=world.admin,
        )
        assert put.status_code == 422 and set(_fields(put)) == {"day"}, put.text
        for path in ("/reports/resolution", "/exports/cases.xlsx"):
            for name in ("from", "to"):
                params = {"territory": town, "from": "2026-01-01", "to": "2026-12-31", name: day}
                response = client.get(f"{API}{path}", params=params, headers=world.admin)
                assert response.status_code == 422, (path, name, day, response.text)
                assert set(_fields(response)) == {name}, (path, response.text)
    for year in (1899, 2200, 3000):
        listed = client.get(f"{API}/calendar-days", params={"year": year}, headers=world.admin)
        assert listed.status_code == 422 and set(_fields(listed)) == {"year"}
    for day in ("1900-01-01", "2199-12-31"):
        put = client.put(
            f"{API}/calendar-days/{day}",
            json={"is_workday": False, "name": "边界"},
            headers=world.admin,
        )
        assert put.status_code == 200, put.text
    assert client.get(f"{API}/calendar-days?year=2199", headers=world.admin).status_code == 200
    wide = client.get(
        f"{API}/reports/resolution",
        params={"territory": town, "from": "1900-01-01", "to": "2199-12-31"},
        headers=world.admin,
    )
    assert wide.status_code == 200, wide.text
    export = client.get(
        f"{API}/exports/cases.xlsx",
        params={"territory": town, "from": "1900-01-01", "to": "2199-12-31"},
        headers=world.admin,
    )
    assert export.status_code == 200, export.text


def test_body_dates_are_between_1900_and_2199(client, world) -> None:
    response = client.post(
        f"{API}/households/{world.household_id}/move-out",
        json={"occurred_on": "0001-01-01"},
        headers=world.admin,
    )
    assert response.status_code == 422 and set(_fields(response)) == {"occurred_on"}


# --- the body size limit -------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_answers_413(session_maker, tmp_path) -> None:
    """Finding 12: without a Content-Length the limit answered 400."""
    app = create_app(
        settings=Settings(data_dir=tmp_path, environment="test", max_body_bytes=100),
        session_maker=session_maker,
    )

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 50

    with TestClient(app) as small:
        response = small.post(
            f"{API}/posts", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "body_too_large"


# --- territory= : one rule for lists, exports and reports ----------------------------------


def test_a_territory_filter_out_of_reach_or_unknown_answers_404_everywhere(client, world) -> None:
    """Finding 12: lists answered 200 with no items for another village's code while
    exports, reports and writes answered 404. Now: unknown or out of reach, 404 everywhere;
    an ancestor of the caller's node, 200 with the caller's part only."""
    own_village, other_village = (village.code for village in world.tree.villages)
    town = world.tree.town.code
    lists = [
        (method, path)
        for method, path, operation in _operations(client)
        if "territory" in _parameters(operation, "query")
        and "offset" in _parameters(operation, "query")
        # a list inside one object (a roll-call's households) answers for its object first:
        # its territory filter is tested with the object (tests/api/test_roll_calls.py)
        and "{" not in path
    ]
    assert len(lists) >= 6
    reads = [
        *lists,
        ("GET", "/api/v1/exports/households.csv"),
        ("GET", "/api/v1/exports/cases.xlsx"),
    ]
    for method, path in reads:
        # the map and the shelters (every signed-in user reads them): every node is in reach
        public = path in (f"{API}/territories", f"{API}/shelters")
        for code in ("350305108999", "350305999", *(() if public else (other_village,))):
            response = client.request(
                method, path, params={"territory": code}, headers=world.grid_leader
            )
            if response.status_code == 403:
                continue  # the role never reads this (e.g. grid-division plans)
            assert response.status_code == 404, (path, code, response.text)
            assert _fields(response) == {"territory": "not found"}, (path, response.text)
        for code in (town, own_village):
            response = client.request(
                method, path, params={"territory": code}, headers=world.grid_leader
            )
            assert response.status_code in (200, 403), (path, code, response.text)
    households = client.get(
        f"{API}/households", params={"territory": town}, headers=world.grid_leader
    )
    assert [item["id"] for item in households.json()["items"]] == [world.household_id]
    report = client.get(
        f"{API}/reports/resolution",
        params={"territory": town, "from": "2026-01-01", "to": "2026-12-31"},
        headers=world.grid_leader,
    )
    assert report.status_code == 200, report.text
    assert [child["code"] for child in report.json()["children"]] == [own_village]
    assert report.json()["territory"]["total"] == 1
