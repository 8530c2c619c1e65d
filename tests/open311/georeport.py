"""GeoReport v2 test helpers: a mapped town with an API key, and the requests and checks
the Open311 tests share (the ``world`` fixture is in this folder's conftest)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.categories import seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case
from gridgov.open311.keys import check_create_key
from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code
from gridgov.territory.models import Territory
from tests.factories.territory import TOWN, make_tree, square

ACTOR = "test:open311"
FORMATS = ("json", "xml")
BASE = "/open311/v2"

OTHER_TOWN = "350305109"


@dataclass
class World:
    """A mapped town (``mapped_town``), the seeded categories and an API key."""

    villages: list[Territory]
    units: list[Territory]
    key: str

    def point_in_village(self, index: int = 0) -> dict[str, str]:
        lon, lat = centre(119.1, index)
        return {"lat": f"{lat}", "long": f"{lon}"}


def centre(west: float, index: int) -> tuple[float, float]:
    """The middle of village ``index`` (from 0) of the town drawn from ``west``."""
    return round(west + 0.01 * (index + 1) + 0.005, 3), 25.005


def mapped_town(session, *, town_code: str, west: float, villages: int = 2) -> list[Territory]:
    """A town whose villages, grids and units all have polygons (each village one grid of
    one unit, the same square), so a point locates to a unit; the units, by village."""
    make_tree(session, villages=0, town_code=town_code)
    units = []
    for v in range(1, villages + 1):
        parent, box = town_code, square(west + 0.01 * v, 25.0)
        for level, serial in (("village", 200 + v), ("grid", 1), ("unit", 1)):
            node = check_create_territory(
                session,
                code=child_code(parent, level, serial),
                level=level,
                parent_code=parent,
                name_zh=f"{level}{v}",
                name_en=f"{level.title()} {town_code[-3:]}-{v}",
                boundary=box,
                actor=ACTOR,
            )
            parent = node.code
        units.append(node)
    return units


def parse(response: Any, fmt: str) -> Any:
    """The body as JSON, or as an XML element after checking the declaration."""
    expected = "application/json" if fmt == "json" else "text/xml"
    assert response.headers["content-type"].startswith(expected)
    assert "charset=utf-8" in response.headers["content-type"]
    if fmt == "json":
        return response.json()
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def xml_items(root: ET.Element, root_tag: str, item_tag: str) -> list[dict[str, str | None]]:
    """Each item's children as a dict (text), after checking the element names."""
    assert root.tag == root_tag
    items = []
    for item in root:
        assert item.tag == item_tag
        items.append({child.tag: child.text for child in item})
    return items


def assert_error(response: Any, fmt: str, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and len(body) == 1
        assert set(body[0]) == {"code", "description"}
        code, description = body[0]["code"], body[0]["description"]
        assert isinstance(code, int)
    else:
        (error,) = xml_items(body, "errors", "error")
        assert list(error) == ["code", "description"]
        code, description = int(error["code"]), error["description"]
    assert code == status
    for word in words:
        assert word in description


def assert_local_iso(value: str | None) -> None:
    assert value is not None
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.utcoffset() == dt.timedelta(hours=8)


def post(client, world: World, fmt: str = "json", **fields: str) -> Any:
    form = {"api_key": world.key, "service_code": "sanitation.garbage", **fields}
    form = {name: value for name, value in form.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def post_case(client, world: World, **fields: str) -> str:
    answer = post(client, world, description="垃圾堆在路口", **world.point_in_village(), **fields)
    assert answer.status_code == 200, answer.text
    return answer.json()[0]["service_request_id"]


def report(session, code: str, description: str, **fields: Any) -> Case:
    case, _created = check_report_case(
        session,
        category_code=code,
        description=description,
        channel="cli",
        actor=ACTOR,
        **fields,
    )
    return case


def make_world(session: Session) -> World:
    """Two mapped villages of TOWN, the seeded categories and an API key."""
    units = mapped_town(session, town_code=TOWN, west=119.1)
    villages = [
        session.scalar(select(Territory).where(Territory.code == u.code[:12])) for u in units
    ]
    seed_categories(session, actor=ACTOR)
    _row, key = check_create_key(session, name="conformance", actor=ACTOR)
    session.flush()
    return World(villages=villages, units=units, key=key)
