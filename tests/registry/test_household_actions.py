"""Household writes: placement rules, uniqueness, versions, unit changes moving residents."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridgov.errors import Conflict, ValidationFailed
from gridgov.registry.actions import (
    check_change_unit,
    check_create_household,
    check_update_household,
)
from gridgov.registry.models import Household, RegistryEvent
from gridgov.territory.actions import check_retire_territory
from tests.factories.registry import ACTOR, make_household, make_resident
from tests.factories.territory import make_tree


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _events(session, household: Household) -> list[RegistryEvent]:
    query = select(RegistryEvent).where(RegistryEvent.household_id == household.id)
    return list(session.scalars(query.order_by(RegistryEvent.recorded_at, RegistryEvent.id)))


def test_household_in_a_unit_hangs_on_the_unit_and_is_registered(session) -> None:
    tree = make_tree(session, villages=1)
    unit = tree.all_units()[0]
    household = check_create_household(
        session,
        village_code=tree.villages[0].code,
        household_no=" 0001 ",
        address="宫下村1号",
        unit_code=unit.code,
        lon=119.11,
        lat=25.01,
        actor=ACTOR,
    )
    assert household.territory_code == unit.code == household.unit_code
    assert household.household_no == "0001"  # trimmed
    assert (household.status, household.version, household.updated_by) == ("active", 1, ACTOR)
    [event] = _events(session, household)
    assert (event.kind, event.territory_code, event.actor) == ("registered", unit.code, ACTOR)


def test_household_without_unit_hangs_on_its_village(session) -> None:
    tree = make_tree(session, villages=1)
    household = make_household(session, unit=tree.villages[0])
    assert household.territory_code == tree.villages[0].code
    assert household.unit_code is None


def test_every_bad_field_is_named_at_once_and_nothing_written(session) -> None:
    tree = make_tree(session, villages=2)
    other_unit = tree.units[tree.grids[tree.villages[1].code][0].code][0]
    before = (_count(session, Household), _count(session, RegistryEvent))
    with pytest.raises(ValidationFailed) as info:
        check_create_household(
            session,
            village_code=tree.villages[0].code,
            household_no="  ",
            address="",
            unit_code=other_unit.code,
            lon=200.0,
            lat=25.0,
            actor=ACTOR,
        )
    fields = info.value.fields
    assert set(fields) == {"household_no", "address", "unit_code", "lon"}
    assert "not under village" in fields["unit_code"]
    assert (_count(session, Household), _count(session, RegistryEvent)) == before


@pytest.mark.parametrize("which", ["grid", "town", "missing"])
def test_village_code_must_name_a_village(session, which) -> None:
    tree = make_tree(session, villages=1)
    code = {"grid": tree.all_grids()[0].code, "town": tree.town.code, "missing": "350305108299"}
    with pytest.raises(ValidationFailed) as info:
        check_create_household(
            session, village_code=code[which], household_no="1", address="a", actor=ACTOR
        )
    assert set(info.value.fields) == {"village_code"}


def test_unit_code_must_name_an_active_unit(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    grid = tree.all_grids()[0]
    retired = tree.units[grid.code][1]
    check_retire_territory(session, retired, actor=ACTOR)
    for code, words in ((grid.code, "no unit"), (retired.code, "retired")):
        with pytest.raises(ValidationFailed) as info:
            check_create_household(
                session,
                village_code=tree.villages[0].code,
                household_no="1",
                address="a",
                unit_code=code,
                actor=ACTOR,
            )
        assert words in info.value.fields["unit_code"]


def test_household_no_is_unique_within_a_village_only(session) -> None:
    tree = make_tree(session, villages=2)
    first = make_household(session, unit=tree.villages[0], household_no="0007")
    make_household(session, unit=tree.villages[1], household_no="0007")  # another village: fine
    before = _count(session, Household)
    with pytest.raises(Conflict) as info:
        make_household(session, unit=tree.all_units()[0], household_no="0007")
    assert set(info.value.fields) == {"household_no"}
    assert _count(session, Household) == before
    assert first.household_no == "0007"


def test_update_changes_fields_records_them_and_bumps_version(session) -> None:
    tree = make_tree(session, villages=1)
    household = make_household(session, unit=tree.all_units()[0])
    check_update_household(
        session, household, version=1, address="新地址8号", lon=119.2, lat=25.1, actor="api:x"
    )
    assert (household.address, household.lon, household.lat) == ("新地址8号", 119.2, 25.1)
    assert household.version == 2 and household.updated_by == "api:x"
    event = _events(session, household)[-1]
    assert event.kind == "updated"
    assert event.details["address"][1] == "新地址8号"
    assert event.details["lon"] == [None, 119.2]


def test_stale_version_is_a_conflict_and_changes_nothing(session) -> None:
    tree = make_tree(session, villages=1)
    household = make_household(session, unit=tree.all_units()[0], address="旧")
    check_update_household(session, household, address="新", actor=ACTOR)
    with pytest.raises(Conflict) as info:
        check_update_household(session, household, version=1, address="再新", actor=ACTOR)
    assert set(info.value.fields) == {"version"}
    assert household.address == "新" and household.version == 2


def test_lon_without_lat_is_refused(session) -> None:
    tree = make_tree(session, villages=1)
    household = make_household(session, unit=tree.all_units()[0])
    with pytest.raises(ValidationFailed) as info:
        check_update_household(session, household, lon=119.0, actor=ACTOR)
    assert set(info.value.fields) == {"lat"}


def test_unit_change_moves_residents_and_records_before_after(session) -> None:
    tree = make_tree(session, villages=2)
    first_unit, second_unit = tree.all_units()[:2]
    household = make_household(session, unit=first_unit)
    members = [make_resident(session, household=household) for _ in range(3)]
    check_change_unit(session, household, unit_code=second_unit.code, actor=ACTOR)
    assert household.territory_code == second_unit.code and household.version == 2
    session.expire_all()
    assert {m.territory_code for m in members} == {second_unit.code}
    event = _events(session, household)[-1]
    assert event.kind == "unit_changed"
    assert event.details == {"unit_code": [first_unit.code, second_unit.code]}
    assert event.territory_code == second_unit.code


def test_unit_change_to_another_village_is_refused(session) -> None:
    tree = make_tree(session, villages=2)
    household = make_household(session, unit=tree.all_units()[0])
    foreign = tree.units[tree.grids[tree.villages[1].code][0].code][0]
    with pytest.raises(ValidationFailed) as info:
        check_change_unit(session, household, unit_code=foreign.code, actor=ACTOR)
    assert "not under village" in info.value.fields["unit_code"]
    assert household.territory_code == tree.all_units()[0].code


def test_unplacing_returns_the_household_to_its_village(session) -> None:
    tree = make_tree(session, villages=1)
    household = make_household(session, unit=tree.all_units()[0])
    resident = make_resident(session, household=household)
    check_update_household(session, household, unit_code=None, actor=ACTOR)
    session.expire_all()
    assert household.territory_code == tree.villages[0].code
    assert resident.territory_code == tree.villages[0].code
