"""Assignment runs on the stored data: every household gets a member when capacity
allows, never the member's own; a re-run changes nothing; pins are kept; a dry run writes
nothing; too few members leave households listed with suggestions; a member who dies
leaves their households to reassign."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.contacts.assigning import check_run_assignment
from gridgov.contacts.models import ContactAssignment
from gridgov.errors import NotFound, ValidationFailed
from gridgov.registry.life_events import check_record_death
from gridgov.registry.models import Resident
from tests.contacts.world import ACTOR, link, make_world


def _current(session) -> dict[str, str]:
    return dict(
        session.execute(
            select(ContactAssignment.household_id, ContactAssignment.member_id).where(
                ContactAssignment.ended_at.is_(None)
            )
        ).all()
    )


def _own(session, world) -> dict[str, str]:
    return {
        member.id: session.scalar(
            select(Resident.household_id).where(Resident.id == member.resident_id)
        )
        for member in world.members
    }


def test_a_run_assigns_every_household_and_a_rerun_changes_nothing(session):
    world = make_world(session)
    result = check_run_assignment(
        session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
    )
    assert (result.households, result.members) == (16, 3)
    assert result.added == 16 and not result.unassigned
    links = _current(session)
    assert len(links) == 16
    own = _own(session, world)
    assert all(own[member] != household for household, member in links.items())
    assert max(list(links.values()).count(m.id) for m in world.members) <= 10
    again = check_run_assignment(
        session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
    )
    assert (again.kept, again.changed) == (16, 0)
    assert _current(session) == links


def test_a_dry_run_writes_nothing_and_too_few_members_are_listed(session):
    world = make_world(session)
    result = check_run_assignment(
        session, territory_code=world.village, capacity=4, dry_run=True, actor=ACTOR
    )
    assert result.dry_run and result.added == 12
    assert len(result.unassigned) == 4
    assert all(item.suggested_member_ids == [] for item in result.unassigned)  # all full
    assert session.scalar(select(func.count()).select_from(ContactAssignment)) == 0


def test_pins_are_kept_by_a_run(session):
    world = make_world(session)
    link(session, world, 15, 0)  # a far household, pinned to member 0 by hand
    check_run_assignment(
        session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
    )
    assert _current(session)[world.households[15].id] == world.members[0].id


def test_a_member_who_dies_leaves_households_to_reassign(session):
    world = make_world(session)
    check_run_assignment(
        session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
    )
    held = [h for h, m in _current(session).items() if m == world.members[1].id]
    assert held
    resident = session.get(Resident, world.members[1].resident_id)
    check_record_death(session, resident, occurred_on=clock.today(), actor=ACTOR)
    assert world.members[1].ended_on == clock.today()
    assert not set(held) & {h for h, m in _current(session).items()}
    rerun = check_run_assignment(
        session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
    )
    assert rerun.added == len(held)


def test_a_run_refuses_a_grid_or_an_unknown_code_naming_the_territory(session):
    world = make_world(session)
    grid = world.households[0].territory_code[:15]
    with pytest.raises(ValidationFailed) as refused:
        check_run_assignment(session, territory_code=grid, capacity=10, dry_run=True, actor=ACTOR)
    assert refused.value.fields == {"territory": ANY}
    assert "not a village or a town" in str(refused.value.fields["territory"])
    unknown = world.village[:9] + "999"
    with pytest.raises(NotFound) as missing:
        check_run_assignment(
            session, territory_code=unknown, capacity=10, dry_run=True, actor=ACTOR
        )
    assert unknown in str(missing.value.message)
