"""A village's party members belong in its leaders' group: marked, they join it; their
membership ended, they leave it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.contacts.members import check_mark_member, do_end_member
from gridgov.groups.models import Group, GroupMember
from tests.contacts.world import ACTOR, make_world
from tests.factories.access import make_user


def _leaders_group_members(session: Session, village: str) -> dict[str, GroupMember]:
    group = session.scalars(
        select(Group).where(Group.kind == "leaders", Group.village_code == village)
    ).one()
    rows = session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    return {row.user_id: row for row in rows if row.left_at is None}


def test_a_marked_member_joins_the_leaders_group_and_leaves_it_when_the_membership_ends(
    session: Session,
) -> None:
    world = make_world(session)
    resident = world.heads[3]
    user = make_user(session, resident_id=resident.id)
    assert user.id not in _leaders_group_members(session, world.village)
    member = check_mark_member(
        session,
        resident_id=resident.id,
        branch="第二支部",
        joined_on=dt.date(2010, 7, 1),
        actor=ACTOR,
    )
    joined = _leaders_group_members(session, world.village)
    assert joined[user.id].source == "party"
    # A villager of the same village who is no member is not in it; the secretary is.
    assert world.secretary is not None and world.secretary.id in joined
    do_end_member(session, member, on=dt.date(2026, 1, 1), reason="moved", actor=ACTOR)
    assert user.id not in _leaders_group_members(session, world.village)
