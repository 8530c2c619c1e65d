"""A case located by a dwelling (the household named, or the reporter's own) names no node
below its village in any Open311 answer: a unit's boundary is public, and with the public
description it would narrow the reporter to a few dwellings (issue 10, finding 8)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridgov.accounts.principal import principal_for
from gridgov.territory.models import Territory
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.open311.georeport import BASE, FORMATS, parse, post_case, report


def _items(response, fmt: str) -> list[dict]:
    body = parse(response, fmt)
    if fmt == "json":
        return body
    return [{child.tag: child.text for child in item} for item in body]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_case_at_a_dwelling_names_no_grid_or_unit(client, session, world, fmt) -> None:
    unit, village = world.units[0], world.villages[0]
    grid = session.scalar(select(Territory).where(Territory.code == unit.code[:15]))
    home = make_household(session, unit=unit, address="家")
    resident = make_user(session, resident_id=make_resident(session, household=home).id)
    principal = principal_for(session, resident)
    at_unit = report(session, "sanitation.garbage", "门口垃圾", household_id=home.id)
    at_grid = report(session, "sanitation.sewage", "门口污水", household_id=home.id)
    by_reporter = report(
        session, "sanitation.garbage", "楼下垃圾", principal=principal, reporter_user_id=resident.id
    )
    session.flush()
    assert (at_unit.level, at_grid.level) == ("unit", "grid")
    assert (at_unit.located_by, by_reporter.located_by) == ("household", "reporter")
    cases = [at_unit, at_grid, by_reporter]
    below_village = {
        unit.code,
        grid.code,
        unit.id,
        grid.id,
        unit.name_en,
        unit.name_zh,
        grid.name_en,
        grid.name_zh,
    }
    views = [
        ("requests", {}),
        ("requests", {"service_request_id": ",".join(case.id for case in cases)}),
        *((f"requests/{case.id}", {}) for case in cases),
    ]
    for path, params in views:
        response = client.get(f"{BASE}/{path}.{fmt}", params=params)
        assert response.status_code == 200, response.text
        for name in below_village:
            assert name not in response.text, (path, name)
        for item in _items(response, fmt):
            assert item["agency_responsible"] == village.name_en
            assert item["service_notice"] == f"handled within {village.name_en}"
            assert (item["address"], item["lat"], item["long"]) == (None, None, None)


def test_a_case_at_a_public_point_still_names_its_unit(client, session, world) -> None:
    case_id = post_case(client, world)
    (item,) = client.get(f"{BASE}/requests/{case_id}.json").json()
    assert item["agency_responsible"] == world.units[0].name_en
    assert item["service_notice"] == f"handled at the unit level by {world.units[0].name_en}"
