"""The party group leader (post ``party_group_leader`` on a grid): reads the ledger and the
due list of the members of the party group they lead, never writes others' visits, and
reads nothing of another group."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov import clock
from gridgov.contacts.ledger import check_record_visit
from gridgov.contacts.members import check_mark_member
from gridgov.posts.actions import check_start_post
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.access import bearer, make_user
from tests.factories.cases import principal_of
from tests.factories.registry import make_household, make_resident

API = "/api/v1"


@pytest.fixture
def world(session):
    """make_world's grid 0 gets a third member (a party group of its own: 3 members); the
    leader is member 0, of grid 0; member 2 lives in grid 1 (a group too small: the
    village's)."""
    world = make_world(session)
    grid0 = world.households[0].territory_code[:15]
    unit = next(u for u in world.tree.all_units() if u.code.startswith(grid0))
    extra = make_resident(session, household=make_household(session, unit=unit))
    world.members.append(
        check_mark_member(
            session,
            resident_id=extra.id,
            branch="第一支部",
            joined_on=dt.date(2001, 7, 1),
            actor=ACTOR,
        )
    )
    world.member_users.append(make_user(session, resident_id=extra.id))
    check_start_post(
        session,
        resident_id=world.heads[0].id,
        post_type="party_group_leader",
        territory_code=grid0,
        start_date=clock.today(),
        actor=ACTOR,
    )
    link(session, world, 1, 0)  # the leader's own household to visit
    link(session, world, 2, 1)  # member 1: grid 0, the leader's group
    link(session, world, 12, 2)  # member 2: grid 1, not the leader's group
    return world


def _visit(session, world, household_index, member_index):
    return check_record_visit(
        session,
        household_ids=[world.households[household_index].id],
        principal=principal_of(session, world.member_users[member_index]),
        actor=ACTOR,
        visited_on=clock.today(),
        method="home_visit",
    )


def test_the_leader_reads_the_group_s_visits_but_writes_none(client, session, world):
    own = _visit(session, world, 1, 0)
    group = _visit(session, world, 2, 1)
    other = _visit(session, world, 12, 2)
    leader = bearer(session, world.member_users[0])
    listed = client.get(f"{API}/visits", headers=leader)
    assert listed.status_code == 200, listed.text
    assert {v["id"] for v in listed.json()["items"]} == {own.id, group.id}
    assert client.get(f"{API}/visits/{group.id}", headers=leader).status_code == 200
    assert client.get(f"{API}/visits/{other.id}", headers=leader).status_code == 404
    # Read only: no edit of a group member's visit, no visit of their household.
    edit = client.patch(
        f"{API}/visits/{group.id}", headers=leader, json={"version": 1, "requests": 1}
    )
    assert edit.status_code == 404
    body = {
        "visited_on": clock.today().isoformat(),
        "method": "phone",
        "household_ids": [world.households[2].id],
    }
    assert client.post(f"{API}/visits", headers=leader, json=body).status_code == 422
    # A member who leads nothing reads their own visits only.
    plain = bearer(session, world.member_users[1])
    mine = client.get(f"{API}/visits", headers=plain).json()["items"]
    assert {v["id"] for v in mine} == {group.id}


def test_the_leader_reads_the_group_s_due_list(client, session, world):
    later = clock.now() + dt.timedelta(days=100)  # every household's 90-day rhythm is due
    with clock.frozen(later):
        leader = bearer(session, world.member_users[0])
        due = client.get(f"{API}/contacts/due", headers=leader, params={"territory": world.village})
        assert due.status_code == 200, due.text
        households = {item["household_id"] for item in due.json()["items"]}
        assert households == {world.households[1].id, world.households[2].id}
        plain = bearer(session, world.member_users[1])
        own = client.get(f"{API}/contacts/due", headers=plain, params={"territory": world.village})
        assert {item["household_id"] for item in own.json()["items"]} == {world.households[2].id}
        # Grid 1 holds no household of the leader's group: out of reach, as for any member.
        grid1 = world.households[12].territory_code[:15]
        far = client.get(f"{API}/contacts/due", headers=leader, params={"territory": grid1})
        assert far.status_code == 404


def test_an_ended_post_reads_no_more(client, session, world):
    from sqlalchemy import select

    from gridgov.posts.models import Post

    group = _visit(session, world, 2, 1)
    post = session.scalar(select(Post).where(Post.post_type == "party_group_leader"))
    post.end_date = clock.today()
    session.flush()
    leader = bearer(session, world.member_users[0])
    assert client.get(f"{API}/visits/{group.id}", headers=leader).status_code == 404


def test_the_leader_sees_the_group_members_workload(client, session, world):
    link(session, world, 3, 1)  # member 1 now carries 2 households
    leader = bearer(session, world.member_users[0])
    listed = client.get(f"{API}/party-members", headers=leader)
    assert listed.status_code == 200, listed.text
    load = {item["id"]: item["households"] for item in listed.json()["items"]}
    group = {world.members[0].id, world.members[1].id, world.members[3].id}
    assert set(load) == group  # the leader's party group only, not member 2's
    assert load[world.members[0].id] == 1 and load[world.members[1].id] == 2
    assert load[world.members[3].id] == 0
