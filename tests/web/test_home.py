"""The home page: what needs me now, within my reach only (the same Principal as the API)."""

from __future__ import annotations

import datetime as dt

from gridgov import clock
from tests.factories.cases import make_case
from tests.factories.territory import make_tree
from tests.web.helpers import make_person, sign_in


def test_a_grid_leader_sees_the_cases_of_their_grid_only(client, session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    mine_grid = tree.all_grids()[0]
    other_grid = tree.all_grids()[1]
    make_person(session, "grid.home", role="grid_leader", territory_code=mine_grid.code)
    here = make_case(
        session,
        category_code="sanitation.sewage",
        unit=tree.units[mine_grid.code][0],
        description="路灯坏了，晚上很黑",
    )
    there = make_case(
        session,
        category_code="sanitation.sewage",
        unit=tree.units[other_grid.code][0],
        description="井盖松动了很危险",
    )
    session.commit()
    sign_in(client, "grid.home")
    page = client.get("/")
    assert page.status_code == 200
    assert f"/cases/{here.id}" in page.text
    assert f"/cases/{there.id}" not in page.text
    assert 'data-role="grid_leader"' in page.text


def test_overdue_cases_are_listed_when_past_due(client, session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    grid = tree.all_grids()[0]
    make_person(
        session, "late.home", role="village_secretary", territory_code=tree.villages[0].code
    )
    case = make_case(session, unit=tree.units[grid.code][0])
    session.commit()
    assert case.due_at is not None
    sign_in(client, "late.home")
    with clock.frozen(case.due_at + dt.timedelta(hours=1)):
        page = client.get("/")
    overdue = page.text.split('id="overdue"')[1].split("</section>")[0]
    assert f"/cases/{case.id}" in overdue


def test_a_villager_sees_no_leader_lists(client, session) -> None:
    make_person(session, "just.me")
    session.commit()
    sign_in(client, "just.me")
    page = client.get("/")
    assert 'id="at-my-level"' not in page.text and 'id="my-reports-to-rate"' in page.text
    assert "您还没有任何角色" in page.text
