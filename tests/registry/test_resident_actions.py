"""Resident writes: ID numbers (checksum, birth date, region, consistency), phones,
duplicates, key groups, updates with masked history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gridgov.errors import Conflict, ValidationFailed
from gridgov.registry.actions import (
    check_create_resident,
    check_update_resident,
    resident_key_group_codes,
)
from gridgov.registry.models import RegistryEvent, Resident, ResidentKeyGroup
from tests.factories.registry import (
    ACTOR,
    make_household,
    make_id_number,
    make_resident,
    resident_fields,
)
from tests.factories.territory import make_tree


@pytest.fixture
def household(session):
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    return make_household(session, unit=tree.all_units()[0])


def _counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Resident, RegistryEvent, ResidentKeyGroup)
    )


def _refused(session, household, error=ValidationFailed, **overrides) -> dict[str, str]:
    before = _counts(session)
    with pytest.raises(error) as info:
        check_create_resident(
            session, **resident_fields(session, household, **overrides), actor=ACTOR
        )
    assert _counts(session) == before
    return info.value.fields


def test_resident_mirrors_its_household_and_is_registered(session, household) -> None:
    resident = make_resident(
        session,
        household=household,
        phone="+86 138-0013-8000",
        id_number=make_id_number(dt.date(1990, 5, 17), "female").lower(),
        birth_date=dt.date(1990, 5, 17),
        sex="female",
        key_groups=["low_income", "disabled", "low_income"],
    )
    assert resident.territory_code == household.territory_code
    assert resident.phone == "13800138000"
    assert resident.relation_to_head == "head"  # the factory's first member
    assert resident_key_group_codes(session, resident.id) == ["disabled", "low_income"]
    event = session.scalar(select(RegistryEvent).where(RegistryEvent.resident_id == resident.id))
    assert (event.kind, event.household_id, event.actor) == ("registered", household.id, ACTOR)


def test_wrong_checksum_is_refused(session, household) -> None:
    good = make_id_number(dt.date(1970, 3, 3), "male")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    fields = _refused(session, household, id_number=bad, birth_date=dt.date(1970, 3, 3), sex="male")
    assert set(fields) == {"id_number"}
    assert "check digit" in fields["id_number"]


def test_region_code_not_existing_in_the_birth_year_is_refused(session, household) -> None:
    # 350305 (Xiuyu district) exists only from 2002: a 1970 birth cannot carry it.
    body = "350305" + "19700303" + "011"
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    fields = _refused(
        session, household, id_number=number, birth_date=dt.date(1970, 3, 3), sex="male"
    )
    assert set(fields) == {"id_number"}


def test_id_inconsistent_with_birth_date_names_both(session, household) -> None:
    number = make_id_number(dt.date(1980, 1, 2), "male")
    fields = _refused(
        session, household, id_number=number, birth_date=dt.date(1980, 1, 3), sex="male"
    )
    assert set(fields) == {"id_number", "birth_date"}
    assert "1980-01-02" in fields["birth_date"]


def test_id_inconsistent_with_sex_names_both(session, household) -> None:
    number = make_id_number(dt.date(1980, 1, 2), "male")
    fields = _refused(
        session, household, id_number=number, birth_date=dt.date(1980, 1, 2), sex="female"
    )
    assert set(fields) == {"id_number", "sex"}


@pytest.mark.parametrize("phone", ["0594-5091234", "12345678901", "1380013800", "abc"])
def test_phone_must_be_a_mainland_mobile(session, household, phone) -> None:
    assert set(_refused(session, household, phone=phone)) == {"phone"}


def test_every_bad_field_at_once(session, household) -> None:
    fields = _refused(
        session,
        household,
        name=" ",
        sex="x",
        birth_date=dt.date(2999, 1, 1),
        id_number="123",
        phone="1",
        relation_to_head="cousin_twice_removed",
        residence_status="deceased",
        key_groups=["veteran", "no_such_group"],
    )
    assert set(fields) == {
        "name",
        "sex",
        "birth_date",
        "id_number",
        "phone",
        "relation_to_head",
        "residence_status",
        "key_groups",
    }
    assert "no_such_group" in fields["key_groups"] and "veteran" not in fields["key_groups"]


def test_unknown_household_is_named(session, household) -> None:
    fields = _refused(session, household, household_id="nope")
    assert set(fields) == {"household_id"}


def test_duplicate_id_number_is_a_conflict_and_nothing_written(session, household) -> None:
    first = make_resident(session, household=household)
    fields = _refused(
        session,
        household,
        error=Conflict,
        id_number=first.id_number,
        birth_date=first.birth_date,
        sex=first.sex,
    )
    assert set(fields) == {"id_number"}


def test_blank_id_and_phone_are_absent(session, household) -> None:
    resident = make_resident(session, household=household, id_number="", phone=None)
    assert resident.id_number is None and resident.phone is None
    # Residents without an ID number do not collide with each other.
    other = make_resident(session, household=household, id_number=None)
    assert other.id_number is None


def test_update_records_changed_fields_with_personal_values_masked(session, household) -> None:
    resident = make_resident(session, household=household, phone="13800138000")
    old_id = resident.id_number
    check_update_resident(
        session,
        resident,
        version=1,
        name="新名字",
        phone="13912345678",
        key_groups=["veteran"],
        residence_status="working_away",
        actor="api:x",
    )
    assert (resident.name, resident.phone, resident.residence_status) == (
        "新名字",
        "13912345678",
        "working_away",
    )
    assert resident.version == 2 and resident.id_number == old_id
    event = session.scalars(
        select(RegistryEvent).where(
            RegistryEvent.resident_id == resident.id, RegistryEvent.kind == "updated"
        )
    ).one()
    assert event.details["phone"] == ["138****8000", "139****5678"]
    assert event.details["key_groups"] == [[], ["veteran"]]
    assert event.details["residence_status"] == ["living_here", "working_away"]
    assert "id_number" not in event.details and event.actor == "api:x"


def test_update_masks_id_number_in_history(session, household) -> None:
    resident = make_resident(session, household=household, id_number=None)
    number = make_id_number(resident.birth_date, resident.sex)
    check_update_resident(session, resident, id_number=number, actor=ACTOR)
    event = session.scalars(select(RegistryEvent).where(RegistryEvent.kind == "updated")).one()
    assert event.details["id_number"] == [None, number[:6] + "********" + number[-4:]]


def test_update_checks_id_against_the_new_birth_date(session, household) -> None:
    resident = make_resident(
        session, household=household, birth_date=dt.date(1960, 6, 1), sex="male"
    )
    with pytest.raises(ValidationFailed) as info:
        check_update_resident(session, resident, birth_date=dt.date(1961, 6, 1), actor=ACTOR)
    assert set(info.value.fields) == {"id_number", "birth_date"}
    assert resident.birth_date == dt.date(1960, 6, 1) and resident.version == 1


def test_update_to_someone_elses_id_is_a_conflict(session, household) -> None:
    first = make_resident(session, household=household)
    second = make_resident(session, household=household, id_number=None)
    with pytest.raises(Conflict) as info:
        check_update_resident(
            session,
            second,
            id_number=first.id_number,
            birth_date=first.birth_date,
            sex=first.sex,
            actor=ACTOR,
        )
    assert set(info.value.fields) == {"id_number"}


def test_update_with_stale_version_is_a_conflict(session, household) -> None:
    resident = make_resident(session, household=household)
    check_update_resident(session, resident, name="甲", actor=ACTOR)
    with pytest.raises(Conflict) as info:
        check_update_resident(session, resident, version=1, name="乙", actor=ACTOR)
    assert set(info.value.fields) == {"version"}
    assert resident.name == "甲"


def test_death_is_an_event_not_an_edit(session, household) -> None:
    resident = make_resident(session, household=household)
    with pytest.raises(ValidationFailed) as info:
        check_update_resident(session, resident, residence_status="deceased", actor=ACTOR)
    assert set(info.value.fields) == {"residence_status"}


def test_tag_change_alone_bumps_the_version(session, household) -> None:
    resident = make_resident(session, household=household, key_groups=["veteran"])
    check_update_resident(session, resident, key_groups=["disabled"], actor=ACTOR)
    assert resident.version == 2
    assert resident_key_group_codes(session, resident.id) == ["disabled"]


def test_unchanged_update_writes_nothing(session, household) -> None:
    resident = make_resident(session, household=household)
    before = _counts(session)
    check_update_resident(session, resident, name=resident.name, actor=ACTOR)
    assert _counts(session) == before and resident.version == 1
