"""Life changes are dated events, never deletes: death, moves, birth, split, unit change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.errors import Conflict, ValidationFailed
from gridgov.registry.actions import check_change_unit
from gridgov.registry.life_events import (
    check_record_birth,
    check_record_death,
    check_record_move_in,
    check_record_move_out,
    check_split_household,
)
from gridgov.registry.models import Household, RegistryEvent, Resident
from gridgov.registry.queries import list_events
from tests.factories.registry import ACTOR, make_household, make_id_number, make_resident
from tests.factories.territory import make_tree

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2)


@pytest.fixture
def family(session, tree):
    household = make_household(session, unit=tree.all_units()[0])
    members = [
        make_resident(session, household=household, birth_date=dt.date(1960, 1, 1), sex="male"),
        make_resident(session, household=household, relation_to_head="spouse"),
        make_resident(session, household=household, relation_to_head="son", sex="male"),
        make_resident(session, household=household, relation_to_head="daughter_in_law"),
    ]
    return household, members


def _history(session, **filters) -> list[str]:
    """The kinds of the events, in the order they happened (newest first in the list)."""
    events, _ = list_events(session, limit=1000, **filters)
    return [event.kind for event in reversed(events)]


def _rows(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Household, Resident, RegistryEvent)
    )


def test_the_registry_today_is_shanghai_time(session) -> None:
    with clock.frozen(dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)):  # 01:00 next day
        assert clock.today() == dt.date(2026, 3, 2)


def test_death_keeps_the_person_with_a_dated_event(session, family) -> None:
    _, (head, *_) = family
    check_record_death(session, head, occurred_on=dt.date(2026, 2, 3), note="病故", actor=ACTOR)
    assert session.get(Resident, head.id).residence_status == "deceased"
    event = session.scalars(select(RegistryEvent).where(RegistryEvent.kind == "death")).one()
    assert event.occurred_on == dt.date(2026, 2, 3)
    assert event.recorded_at == NOW
    # The contacts hook reports the "must visit" moment the death made (a visit in 3 days).
    moments = event.details.pop("must_visits")
    assert len(moments) == 1
    assert event.details == {"residence_status": ["living_here", "deceased"], "note": "病故"}
    assert (event.resident_id, event.territory_code) == (head.id, head.territory_code)
    # registered today, died a month ago: the history is ordered by when things happened
    assert _history(session, resident_id=head.id) == ["death", "registered"]


def test_death_of_a_deceased_person_is_a_conflict(session, family) -> None:
    _, (head, *_) = family
    check_record_death(session, head, occurred_on=TODAY, actor=ACTOR)
    before = _rows(session)
    with pytest.raises(Conflict) as info:
        check_record_death(session, head, occurred_on=TODAY, actor=ACTOR)
    assert set(info.value.fields) == {"residence_status"}
    assert _rows(session) == before


@pytest.mark.parametrize(
    ("occurred_on", "why"),
    [(TODAY + dt.timedelta(days=1), "future"), (dt.date(1959, 12, 31), "before")],
)
def test_death_date_must_be_plausible(session, family, occurred_on, why) -> None:
    _, (head, *_) = family
    with pytest.raises(ValidationFailed) as info:
        check_record_death(session, head, occurred_on=occurred_on, actor=ACTOR)
    assert why in info.value.fields["occurred_on"]
    assert head.residence_status == "living_here"


def test_move_out_then_return(session, family) -> None:
    household, (_, _, son, _) = family
    check_record_move_out(
        session, son, occurred_on=dt.date(2025, 1, 1), destination="厦门", actor=ACTOR
    )
    assert son.residence_status == "moved_out"
    with pytest.raises(Conflict) as info:
        check_record_move_out(session, son, occurred_on=TODAY, actor=ACTOR)
    assert set(info.value.fields) == {"residence_status"}
    check_record_move_in(
        session,
        household,
        resident=son,
        occurred_on=dt.date(2026, 2, 1),
        origin="厦门",
        actor=ACTOR,
    )
    assert son.residence_status == "living_here"
    assert _history(session, resident_id=son.id) == ["moved_out", "moved_in", "registered"]
    moved_out = session.scalars(
        select(RegistryEvent).where(RegistryEvent.kind == "moved_out")
    ).one()
    assert moved_out.details["destination"] == "厦门"


def test_a_returning_resident_may_join_another_household(session, tree, family) -> None:
    _, (_, _, son, _) = family
    other = make_household(session, unit=tree.all_units()[-1])
    check_record_move_out(session, son, occurred_on=dt.date(2025, 1, 1), actor=ACTOR)
    check_record_move_in(
        session, other, resident=son, occurred_on=TODAY, relation_to_head="head", actor=ACTOR
    )
    assert (son.household_id, son.territory_code) == (other.id, other.territory_code)
    event = session.scalars(select(RegistryEvent).where(RegistryEvent.kind == "moved_in")).one()
    assert event.details["relation_to_head"] == ["son", "head"]
    assert event.household_id == other.id


def test_only_moved_out_residents_return(session, family) -> None:
    household, (head, spouse, *_) = family
    check_record_death(session, head, occurred_on=TODAY, actor=ACTOR)
    for person in (head, spouse):
        with pytest.raises(Conflict):
            check_record_move_in(
                session, household, resident=person, occurred_on=TODAY, actor=ACTOR
            )


def test_a_new_person_moves_in(session, family) -> None:
    household, _ = family
    resident = check_record_move_in(
        session,
        household,
        occurred_on=dt.date(2026, 1, 15),
        origin="莆田市区",
        name="外来人",
        sex="female",
        birth_date=dt.date(1995, 7, 7),
        id_number=make_id_number(dt.date(1995, 7, 7), "female"),
        relation_to_head="other",
        residence_status="incoming_migrant",
        actor=ACTOR,
    )
    assert resident.household_id == household.id
    assert resident.residence_status == "incoming_migrant"
    assert _history(session, resident_id=resident.id) == ["moved_in"]


def test_a_new_person_moving_in_needs_their_fields(session, family) -> None:
    household, _ = family
    before = _rows(session)
    with pytest.raises(ValidationFailed) as info:
        check_record_move_in(session, household, occurred_on=TODAY, name="某", actor=ACTOR)
    assert {"sex", "birth_date", "relation_to_head"} <= set(info.value.fields)
    assert _rows(session) == before


def test_birth_is_dated_on_the_birth_date(session, family) -> None:
    household, _ = family
    baby = check_record_birth(
        session,
        household,
        name="小宝",
        sex="female",
        birth_date=dt.date(2026, 2, 20),
        id_number=make_id_number(dt.date(2026, 2, 20), "female"),
        actor=ACTOR,
    )
    assert baby.relation_to_head == "daughter"
    assert baby.id_number.startswith("350305")
    event = session.scalars(select(RegistryEvent).where(RegistryEvent.kind == "birth")).one()
    assert event.occurred_on == dt.date(2026, 2, 20) and event.resident_id == baby.id


def test_birth_in_the_future_is_refused(session, family) -> None:
    household, _ = family
    before = _rows(session)
    with pytest.raises(ValidationFailed) as info:
        check_record_birth(
            session, household, name="未", sex="male", birth_date=dt.date(2026, 3, 2), actor=ACTOR
        )
    assert set(info.value.fields) == {"birth_date"}
    assert _rows(session) == before


def test_whole_household_moves_out(session, family) -> None:
    household, members = family
    check_record_death(session, members[0], occurred_on=dt.date(2025, 6, 1), actor=ACTOR)
    check_record_move_out(
        session, household, occurred_on=dt.date(2026, 2, 1), destination="福州", actor=ACTOR
    )
    assert household.status == "moved_out"
    session.expire_all()
    statuses = [session.get(Resident, m.id).residence_status for m in members]
    assert statuses == ["deceased", "moved_out", "moved_out", "moved_out"]
    household_event = session.scalars(
        select(RegistryEvent).where(
            RegistryEvent.kind == "moved_out", RegistryEvent.resident_id.is_(None)
        )
    ).one()
    assert household_event.details["status"] == ["active", "moved_out"]
    assert sorted(household_event.details["resident_ids"]) == sorted(m.id for m in members[1:])
    with pytest.raises(Conflict):
        check_record_move_out(session, household, occurred_on=TODAY, actor=ACTOR)
    with pytest.raises(ValidationFailed) as info:
        make_resident(session, household=household)
    assert set(info.value.fields) == {"household_id"}


def test_split_moves_residents_into_a_new_household(session, family) -> None:
    household, (head, spouse, son, daughter_in_law) = family
    new = check_split_household(
        session,
        household,
        resident_ids=[son.id, daughter_in_law.id],
        new_household_no="0099",
        address="新房1号",
        relations={daughter_in_law.id: "spouse"},
        occurred_on=dt.date(2026, 2, 14),
        actor=ACTOR,
    )
    assert (new.village_code, new.territory_code) == (
        household.village_code,
        household.territory_code,
    )
    assert (son.household_id, son.relation_to_head) == (new.id, "head")
    assert (daughter_in_law.household_id, daughter_in_law.relation_to_head) == (new.id, "spouse")
    assert head.household_id == spouse.household_id == household.id
    assert _history(session, household_id=household.id)[0] == "household_split"
    assert _history(session, household_id=new.id) == ["household_split"] * 3
    [son_event] = [
        e for e in list_events(session, resident_id=son.id)[0] if e.kind == "household_split"
    ]
    assert son_event.details["household_id"] == [household.id, new.id]
    assert son_event.occurred_on == dt.date(2026, 2, 14)


def test_split_into_another_unit(session, tree, family) -> None:
    household, (_, _, son, _) = family
    target = tree.all_units()[1]
    new = check_split_household(
        session,
        household,
        resident_ids=[son.id],
        new_household_no="0100",
        address="新房2号",
        unit_code=target.code,
        actor=ACTOR,
    )
    assert new.territory_code == son.territory_code == target.code


def test_split_refuses_nonsense_naming_fields_and_writes_nothing(session, tree, family) -> None:
    household, (head, spouse, son, daughter_in_law) = family
    stranger = make_resident(session, household=make_household(session, unit=tree.all_units()[1]))
    before = _rows(session)
    foreign_unit = tree.units[tree.grids[tree.villages[1].code][0].code][0]
    with pytest.raises(ValidationFailed) as info:
        check_split_household(
            session,
            household,
            resident_ids=[son.id, stranger.id],
            new_household_no="",
            address="x",
            unit_code=foreign_unit.code,
            relations={son.id: "emperor"},
            occurred_on=TODAY + dt.timedelta(days=3),
            actor=ACTOR,
        )
    assert set(info.value.fields) == {
        "resident_ids",
        "relations",
        "household_no",
        "unit_code",
        "occurred_on",
    }
    with pytest.raises(ValidationFailed) as info:
        check_split_household(
            session,
            household,
            resident_ids=[head.id, spouse.id, son.id, daughter_in_law.id],
            new_household_no="0101",
            address="x",
            actor=ACTOR,
        )
    assert "someone must stay" in info.value.fields["resident_ids"]
    assert _rows(session) == before


def test_split_with_a_taken_household_no_is_a_conflict(session, family) -> None:
    household, (_, _, son, _) = family
    before = _rows(session)
    with pytest.raises(Conflict) as info:
        check_split_household(
            session,
            household,
            resident_ids=[son.id],
            new_household_no=household.household_no,
            address="x",
            actor=ACTOR,
        )
    assert set(info.value.fields) == {"household_no"}
    assert _rows(session) == before
    assert son.household_id == household.id


def test_unit_change_is_dated_history(session, tree, family) -> None:
    household, _ = family
    target = tree.all_units()[1]
    check_change_unit(
        session, household, unit_code=target.code, occurred_on=dt.date(2026, 1, 1), actor=ACTOR
    )
    event = list_events(session, household_id=household.id, kind="unit_changed")[0][0]
    assert event.occurred_on == dt.date(2026, 1, 1)
    with pytest.raises(ValidationFailed):
        check_change_unit(session, household, unit_code=target.code, actor=ACTOR)
