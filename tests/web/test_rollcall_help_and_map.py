"""The roll-call's help case as its page shows it (whom to call, the link back to the
roll-call) and the page's map data (web/routes/roll_calls.py map.geojson): counts per node
above a grid, household points in a grid or unit (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.cases.models import Case
from gridgov.privacy import mask_phone
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
