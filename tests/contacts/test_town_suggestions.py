"""Suggestions across villages: in a town run, a household its village could not cover is
offered the nearest members with room of any village of the town, nearest first, and is
never assigned to one of them."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gridgov.contacts.assigning import check_run_assignment
from gridgov.contacts.assignment import UNASSIGNED, Households, Members, nearest_with_room
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.registry.models import Resident
from tests.contacts.helpers import EXAMPLES, random_town
from tests.contacts.world import ACTOR
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _metres(households: Households, members: Members, row: int) -> np.ndarray:
    # Small towns: an equirectangular approximation orders members like the module's frame.
    dx = (members.lon - households.lon[row]) * np.cos(np.radians(households.lat[row]))
    dy = members.lat - households.lat[row]
    distance = np.sqrt(dx**2 + dy**2) * 111_000
    return np.where(np.isnan(distance), 2_000.0, distance)


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    villages=st.integers(1, 4),
    count=st.integers(1, 5),
    room_share=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_suggestions_have_room_skip_the_own_household_and_come_nearest_first(
    seed, villages, count, room_share
):
    households, members = random_town(seed, villages, 40, 12, key_share=0.3)
    rng = np.random.default_rng(seed)
    room = rng.random(len(members)) < room_share
    key_room = room & (rng.random(len(members)) < 0.5)
    suggested = nearest_with_room(households, members, room=room, key_room=key_room, count=count)
    assert suggested.shape == (len(households), count)
    for row in range(len(households)):
        fits = (key_room if households.key[row] else room) & (members.household != row)
        offered = suggested[row][suggested[row] != UNASSIGNED]
        assert fits[offered].all()  # room for its kind, never the household's own member
        assert len(offered) == min(count, int(fits.sum()))  # villages do not matter
        distance = _metres(households, members, row)
        assert (np.diff(distance[offered]) >= -1.0).all()  # nearest first (1 m of rounding)
        if len(offered):
            others = fits.copy()
            others[offered] = False
            assert (distance[others] >= distance[offered[-1]] - 1.0).all()


def test_a_member_of_another_village_is_suggested_across_villages() -> None:
    # Village 0's household, a member of village 1 at 100 m and one of village 0 without room.
    lon0, lat0 = 118.1, 24.5
    households = Households(
        lon=np.array([lon0]),
        lat=np.array([lat0]),
        village=np.array([0]),
        grid=np.array([0]),
        key=np.array([False]),
    )
    members = Members(
        lon=np.array([lon0, lon0 + 0.001, lon0 + 0.01]),
        lat=np.array([lat0, lat0, lat0]),
        village=np.array([0, 1, 1]),
        grid=np.array([0, 5, 6]),
        household=np.array([-1, -1, -1]),
    )
    room = np.array([False, True, True])
    suggested = nearest_with_room(households, members, room=room, key_room=room, count=3)
    assert suggested.tolist() == [[1, 2, UNASSIGNED]]


def _member(session, unit) -> str:
    resident = make_resident(session, household=make_household(session, unit=unit))
    member = check_mark_member(
        session,
        resident_id=resident.id,
        branch="第一支部",
        joined_on=dt.date(2001, 7, 1),
        actor=ACTOR,
    )
    return member.id


def test_a_town_run_suggests_members_of_the_neighbouring_village_without_assigning(session):
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    short, roomy = tree.villages
    short_unit = tree.units[tree.grids[short.code][0].code][0]
    roomy_unit = tree.units[tree.grids[roomy.code][0].code][0]
    short_member = _member(session, short_unit)  # lives in a household of its own village
    for _ in range(3):
        make_household(session, unit=short_unit)
    neighbour = _member(session, roomy_unit)
    town = check_run_assignment(
        session, territory_code=tree.town.code, capacity=2, dry_run=False, actor=ACTOR
    )
    # Village "short": 4 households (the member's own among them), one member of capacity 2:
    # 2 left out, offered the neighbouring village's member (their own member is full).
    # Village "roomy": the member's own household only, left out and offered nobody.
    suggested = {item.household_id: item.suggested_member_ids for item in town.unassigned}
    neighbour_home = _own_household(session, neighbour)
    assert len(suggested) == 3 and suggested.pop(neighbour_home) == []
    assert list(suggested.values()) == [[neighbour], [neighbour]]
    links = dict(
        session.execute(
            select(ContactAssignment.household_id, ContactAssignment.member_id).where(
                ContactAssignment.ended_at.is_(None)
            )
        ).all()
    )
    left = set(suggested)
    assert not left & set(links)  # suggested, not assigned
    assert neighbour not in links.values()  # the roomy village has only the member's own home
    assert list(links.values()).count(short_member) == 2
    # A village run alone suggests within the village only: nobody has room there.
    alone = check_run_assignment(
        session, territory_code=short.code, capacity=2, dry_run=True, actor=ACTOR
    )
    assert [item.suggested_member_ids for item in alone.unassigned] == [[], []]


def _own_household(session, member_id: str) -> str:
    member = session.get(PartyMember, member_id)
    return session.scalar(select(Resident.household_id).where(Resident.id == member.resident_id))
