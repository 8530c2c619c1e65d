"""The roll-call's help case as its page shows it (whom to call, the link back to the
roll-call) and the page's map data (web/routes/roll_calls.py map.geojson): counts per node
above a grid, household points in a grid or unit (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.cases.models import Case
from gridgov.privacy import mask_phone
from gridgov.territory.actions import check_update_territory
from tests.cases.case_world import quick_password_hashing
from tests.emergency.rollcall_world import Island, make_island, start
from tests.emergency.test_confirm import confirm
from tests.web.helpers import make_person, sign_in


@pytest.fixture
def island(session: Session) -> Island:
    island = make_island(session)
    with quick_password_hashing():
        make_person(
            session, "rc_secretary", role="village_secretary", territory_code=island.village
        )
    session.commit()
    return island


def signed_in(client: TestClient, username: str) -> TestClient:
    answer = sign_in(client, username)
    assert answer.status_code == 303, answer.text
    return client


def test_the_help_case_page_shows_whom_to_call_and_links_its_roll_call(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    done = confirm(
        session,
        island,
        roll_call,
        "grid_leader",
        "pregnant",
        status="needs_help",
        help="临产，需要送医",
    )
    session.commit()
    case = session.get(Case, done.help_case_id)
    assert case is not None and case.reporter_contact
    signed_in(client, "rc_secretary")
    page = client.get(f"/cases/{case.id}").text
    assert f'href="/roll-calls/{roll_call.id}" data-roll-call-link' in page
    assert case.reporter_name in page and mask_phone(case.reporter_contact) in page
    assert case.reporter_contact not in page  # the phone masked
    assert island.households["pregnant"].address in page


def test_the_page_map_shows_counts_per_grid_then_a_grids_households(
    client: TestClient, session: Session, island: Island
) -> None:
    # The grid has a centre of its own; the other grid none: the mean of its units' centres.
    grid, other_grid = island.tree.grids[island.village]
    check_update_territory(session, grid, center_lon=119.1, center_lat=25.0, actor="test")
    for n, unit in enumerate(island.tree.units[other_grid.code]):
        check_update_territory(
            session, unit, center_lon=119.2 + n / 10, center_lat=25.2, actor="test"
        )
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_secretary")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    assert f'data-points="/roll-calls/{roll_call.id}/map.geojson"' in page
    nodes = client.get(f"/roll-calls/{roll_call.id}/map.geojson").json()
    assert nodes["properties"]["kind"] == "nodes"
    labels = {f["properties"]["code"]: f["properties"]["label"] for f in nodes["features"]}
    assert labels[island.grid] == "共 5 户，未确认 5 户，需帮助 0 户"
    where = {f["properties"]["code"]: f["geometry"]["coordinates"] for f in nodes["features"]}
    assert where[grid.code] == [119.1, 25.0]
    assert where[other_grid.code] == pytest.approx([119.25, 25.2])
    points = client.get(
        f"/roll-calls/{roll_call.id}/map.geojson", params={"territory": island.grid}
    ).json()
    assert points["properties"]["kind"] == "households"
    hrefs = {f["properties"].get("href") for f in points["features"]}
    assert f"/households/{island.households['plain'].id}" in hrefs
    bad = client.get(f"/roll-calls/{roll_call.id}/map.geojson", params={"territory": "x"})
    assert bad.status_code in (400, 422)
