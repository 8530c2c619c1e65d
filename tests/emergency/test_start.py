"""Starting a roll-call: exactly the node's current households, their priority and why,
the lists to unit leaders (or grid leaders), the notice, and who may start one."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import check_assign_role
from gridgov.emergency.models import RollCallHousehold
from gridgov.emergency.priority import reasons_of
from gridgov.emergency.start import unit_names
from gridgov.errors import NotFound, PermissionDenied, ValidationFailed
from gridgov.i18n import Message
from gridgov.notify.models import OutboxMessage
from gridgov.territory.models import Territory
from tests.emergency.rollcall_world import Island, make_island, start
from tests.factories.registry import make_household, make_resident


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def _rows(session: Session, roll_call_id: str) -> dict[str, RollCallHousehold]:
    rows = session.scalars(
        select(RollCallHousehold).where(RollCallHousehold.roll_call_id == roll_call_id)
    )
    return {row.household_no: row for row in rows}


def test_start_over_the_town_creates_exactly_its_current_households(
    session: Session, island: Island
) -> None:
    roll_call = start(session, island)
    rows = _rows(session, roll_call.id)
    # Every active household of the town; the one that moved out is not called.
    assert set(rows) == {"A001", "A002", "A003", "A004", "A005", "B001", "C001"}
    assert roll_call.household_count == 7
    assert {row.status for row in rows.values()} == {"unconfirmed"}
    assert rows["A001"].people == 2  # the head and the resident linked to a user
    assert rows["A005"].people == 1  # the member working away is not there


def test_a_village_roll_call_holds_that_village_only(session: Session, island: Island) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    assert set(_rows(session, roll_call.id)) == {"A001", "A002", "A003", "A004", "A005", "B001"}


def test_priority_flags_and_reasons(session: Session, island: Island) -> None:
    rows = _rows(session, start(session, island).id)
    priority = {
        number: reasons_of(row.priority_reasons) for number, row in rows.items() if row.priority
    }
    assert priority == {
        "A002": ["elderly_alone"],
        "A003": ["pregnant"],
        "A004": ["dangerous_house"],
    }


def test_unit_leaders_get_their_list_priority_first_and_a_leaderless_unit_goes_to_the_grid(
    session: Session, island: Island
) -> None:
    roll_call = start(session, island)
    lists = [
        message
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "rollcall_households")
        )
        if message.payload["roll_call_id"] == roll_call.id
    ]
    by_node = {message.payload["node"]: message for message in lists}
    unit_list = by_node[island.unit]
    assert unit_list.recipients == [island.users["unit_leader"].id]
    assert [entry[1] for entry in unit_list.payload["households"]] == ["A002", "A001", "A005"]
    leaderless = by_node[island.leaderless_unit]
    assert leaderless.recipients == [island.users["grid_leader"].id]
    assert [entry[2] for entry in leaderless.payload["households"]] == [True, True]
    # The list names the unit by its name, not its code.
    unit = session.scalars(select(Territory).where(Territory.code == island.unit)).one()
    body = Message.from_json(unit_list.payload["body_message"])
    assert body is not None
    assert body.render("zh-CN") == f"{unit.name_zh} 共 3 户，重点户在前"
    assert island.unit not in unit_list.payload["body"]
    notice = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "rollcall_notice")
    ).one()
    assert island.users["secretary"].id in notice.recipients
    assert "台风" in notice.payload["title"]


def test_one_list_per_recipient_and_village_priority_first_grouped_by_unit(
    session: Session, island: Island
) -> None:
    """A village secretary got 397 lists for one roll-call, one per unit without a leader:
    now one per village, holding all of them (priority first, grouped by unit); a grid
    leader one for all their leaderless units."""
    tree = island.tree
    second_grid = tree.grids[island.village][1]
    # Grid 2 of village 1 has neither unit leaders nor a grid leader: its units' lists go to
    # the village secretary; give both of its units households, one a priority.
    first, second = tree.units[second_grid.code]
    h1 = make_household(session, unit=second, household_no="B101")
    make_resident(session, household=h1)
    h2 = make_household(session, unit=second, household_no="B102")
    make_resident(session, household=h2, key_groups=["disabled"])
    # A second leaderless grid-1 unit is not possible (two units a grid): the grid leader
    # also leads grid 2 of the other village, whose units have no unit leader.
    other_grid = tree.grids[island.other_village][1]
    check_assign_role(
        session,
        user_id=island.users["grid_leader"].id,
        role="grid_leader",
        territory_code=other_grid.code,
        start_date=clock.today(),
        actor="test",
    )
    for n, unit in enumerate(tree.units[other_grid.code]):
        house = make_household(session, unit=unit, household_no=f"D00{n}")
        make_resident(session, household=house)
    roll_call = start(session, island)
    lists = [
        message
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "rollcall_households")
        )
        if message.payload["roll_call_id"] == roll_call.id
    ]
    per_recipient = Counter(
        (user, message.payload["units"][0]["code"][:12])
        for message in lists
        for user in message.recipients
    )
    assert set(per_recipient.values()) == {1}, per_recipient
    secretary = island.users["secretary"].id
    (theirs,) = [message for message in lists if secretary in message.recipients]
    assert [unit["code"] for unit in theirs.payload["units"]] == [first.code, second.code]
    assert [entry[1] for entry in theirs.payload["households"]] == ["B102", "B001", "B101"]
    assert theirs.payload["node"] == island.village
    grid_leader = island.users["grid_leader"].id
    grid_lists = [message for message in lists if grid_leader in message.recipients]
    assert len(grid_lists) == 2  # one per village: their leaderless unit here, two there
    there = [m for m in grid_lists if m.payload["node"] != island.leaderless_unit]
    assert [u["code"] for u in there[0].payload["units"]] == [
        unit.code for unit in tree.units[other_grid.code]
    ]
    assert there[0].payload["body_message"]["id"].startswith("%(count)s households in")


def test_a_drill_says_so_on_its_notice(session: Session, island: Island) -> None:
    start(session, island, drill=True)
    notice = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "rollcall_notice")
    ).one()
    assert notice.payload["drill"] is True
    assert notice.payload["title"].startswith("DRILL")
    assert notice.payload["title_message"]["id"].startswith("DRILL")


def test_who_may_start(session: Session, island: Island) -> None:
    with pytest.raises(PermissionDenied):
        start(session, island, by="grid_leader", territory=island.grid)
    with pytest.raises(NotFound):  # another village's secretary: not theirs
        start(session, island, by="other_secretary", territory=island.village)
    with pytest.raises(NotFound):  # a secretary may not start one for the whole town
        start(session, island, by="secretary", territory=island.town)


def test_bad_input_names_the_field(session: Session, island: Island) -> None:
    with pytest.raises(ValidationFailed) as refused:
        start(session, island, kind="tsunami", title=" ", grid_after_minutes=0)
    assert {"kind", "title", "grid_after_minutes"} <= set(refused.value.fields)


def test_unit_names_fall_back_to_nothing_for_a_node_without_a_name(
    session: Session, island: Island
) -> None:
    unit = session.scalars(select(Territory).where(Territory.code == island.unit)).one()
    named = session.scalars(select(Territory).where(Territory.code == island.leaderless_unit)).one()
    unit.name_zh = ""
    session.flush()
    names = unit_names(session, [island.unit, island.leaderless_unit])
    assert names == {island.leaderless_unit: named.name_zh}  # the caller shows the code
