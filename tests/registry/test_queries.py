"""Registry reads: every filter in SQL, totals from COUNT, key groups in one query per page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from gridgov.errors import NotFound, ValidationFailed
from gridgov.registry.life_events import check_record_death
from gridgov.registry.queries import (
    get_household,
    get_resident,
    list_events,
    list_households,
    list_key_groups,
    list_residents,
)
from tests.factories.registry import ACTOR, make_household, make_resident
from tests.factories.territory import make_tree


@pytest.fixture
def town(session):
    """Two villages; four households (one unplaced); nine residents with tags."""
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    v1, v2 = tree.villages
    first_grid, second_grid = tree.grids[v1.code]
    h = {
        "a": make_household(session, unit=tree.units[first_grid.code][0], address="东街1号"),
        "b": make_household(session, unit=tree.units[second_grid.code][0], address="西街%2号"),
        "c": make_household(session, unit=v1, address="东街3号"),
        "d": make_household(session, unit=tree.units[tree.grids[v2.code][0].code][0]),
    }
    people = {
        "a1": make_resident(
            session, household=h["a"], name="林阿明", sex="male", key_groups=["elderly_alone"]
        ),
        "a2": make_resident(
            session,
            household=h["a"],
            name="林小红",
            sex="female",
            key_groups=["left_behind_child", "disabled"],
        ),
        "b1": make_resident(
            session, household=h["b"], name="陈大海", sex="male", key_groups=["elderly_alone"]
        ),
        "b2": make_resident(session, household=h["b"], name="陈林", sex="female"),
        "c1": make_resident(
            session, household=h["c"], name="黄明", sex="male", residence_status="working_away"
        ),
        "d1": make_resident(
            session, household=h["d"], name="吴林", sex="female", key_groups=["elderly_alone"]
        ),
        "d2": make_resident(session, household=h["d"], name="吴二", sex="male"),
        "d3": make_resident(session, household=h["d"], name="吴三", sex="male"),
        "d4": make_resident(session, household=h["d"], name="吴四", sex="male"),
    }
    check_record_death(session, people["d4"], occurred_on=dt.date(2025, 1, 1), actor=ACTOR)
    return tree, h, people


def _ids(rows) -> set[str]:
    return {row.resident.id for row in rows}


def test_get_raises_not_found(session) -> None:
    with pytest.raises(NotFound):
        get_household(session, "missing")
    with pytest.raises(NotFound):
        get_resident(session, "missing")


def test_households_by_territory_subtree_status_and_text(session, town) -> None:
    tree, h, _ = town
    v1 = tree.villages[0].code
    items, total = list_households(session, territory=v1)
    assert total == 3 and {x.id for x in items} == {h["a"].id, h["b"].id, h["c"].id}
    grid = tree.grids[v1][0].code
    assert [x.id for x in list_households(session, territory=grid)[0]] == [h["a"].id]
    assert list_households(session, territory=tree.town.code)[1] == 4
    assert {x.id for x in list_households(session, q="东街")[0]} == {h["a"].id, h["c"].id}
    # % is a literal character, not a wildcard
    assert [x.id for x in list_households(session, q="%")[0]] == [h["b"].id]
    assert list_households(session, q=h["d"].household_no)[0] == [h["d"]]
    assert list_households(session, status="moved_out")[1] == 0


def test_household_paging_keeps_the_total(session, town) -> None:
    items, total = list_households(session, limit=3, offset=2)
    assert total == 4 and len(items) == 2
    everything = list_households(session)[0]
    assert items == everything[2:]


def test_bad_filters_are_named(session) -> None:
    with pytest.raises(ValidationFailed) as info:
        list_households(session, status="gone")
    assert set(info.value.fields) == {"status"}
    with pytest.raises(ValidationFailed) as info:
        list_residents(session, territory="35a")
    assert set(info.value.fields) == {"territory"}
    with pytest.raises(ValidationFailed) as info:
        list_residents(session, sex="other")
    assert set(info.value.fields) == {"sex"}


def test_residents_by_territory_subtree(session, town) -> None:
    tree, _, p = town
    v1 = tree.villages[0].code
    rows, total = list_residents(session, territory=v1)
    assert total == 5 and _ids(rows) == {p[k].id for k in ("a1", "a2", "b1", "b2", "c1")}
    rows, total = list_residents(session, territory=tree.grids[v1][1].code)
    assert _ids(rows) == {p["b1"].id, p["b2"].id} and total == 2


def test_residents_by_key_group_with_their_tags(session, town) -> None:
    tree, _, p = town
    rows, total = list_residents(session, key_group="elderly_alone")
    assert total == 3 and _ids(rows) == {p["a1"].id, p["b1"].id, p["d1"].id}
    rows, total = list_residents(
        session, key_group="elderly_alone", territory=tree.villages[1].code
    )
    assert _ids(rows) == {p["d1"].id} and total == 1
    [row] = list_residents(session, key_group="disabled")[0]
    assert row.key_groups == ["disabled", "left_behind_child"]


def test_residents_by_status_sex_name_and_household(session, town) -> None:
    _, h, p = town
    assert _ids(list_residents(session, residence_status="deceased")[0]) == {p["d4"].id}
    assert _ids(list_residents(session, residence_status="working_away")[0]) == {p["c1"].id}
    assert list_residents(session, sex="female")[1] == 3
    assert _ids(list_residents(session, name="林")[0]) == {
        p[k].id for k in ("a1", "a2", "b2", "d1")
    }
    assert list_residents(session, name="林", sex="male")[1] == 1
    assert list_residents(session, household_id=h["d"].id)[1] == 4


def test_resident_page_costs_three_queries(session, town, connection) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        rows, total = list_residents(session, limit=5, offset=1)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert total == 9 and len(rows) == 5
    # a COUNT, the page, and the key groups of the whole page: not one query per resident
    assert len(statements) == 3, statements
    assert "count(" in statements[0].lower()


def test_events_by_territory_household_resident_and_kind(session, town) -> None:
    tree, h, p = town
    events, total = list_events(session, kind="death")
    assert total == 1 and events[0].resident_id == p["d4"].id
    assert list_events(session, territory=tree.villages[1].code, kind="death")[1] == 1
    assert list_events(session, territory=tree.villages[0].code, kind="death")[1] == 0
    assert {e.kind for e in list_events(session, resident_id=p["d4"].id)[0]} == {
        "registered",
        "death",
    }
    events, total = list_events(session, household_id=h["a"].id)
    assert total == 3  # the household's registration and its two residents'
    newest_first = [e.occurred_on for e in list_events(session)[0]]
    assert newest_first == sorted(newest_first, reverse=True)


def test_key_groups_are_listed_from_the_migration(session) -> None:
    codes = [group.code for group in list_key_groups(session)]
    assert {"elderly_alone", "disabled", "low_income", "left_behind_child", "veteran"} <= set(codes)
    assert codes == sorted(codes)
