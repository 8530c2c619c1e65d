"""Notices through the API: posting to a group and to a territory, receipts by household
(by grid and unit), marking told, reminders per unit leader, urgent notices through the
bridges, drills, and 404 for another village."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.accounts.models import User
from gridgov.groups.actions import check_mark_read
from gridgov.groups.models import GroupMessage
from gridgov.groups.notice_models import NoticePosting
from gridgov.groups.notices import check_post_notice
from gridgov.notify.models import OutboxMessage
from gridgov.notify.realtime.models import Event
from gridgov.registry.models import Resident
from tests.factories.access import bearer, make_user
from tests.factories.groups import World, group_of, make_world


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def secretary(session: Session, world: World, village: int = 0) -> User:
    return make_user(session, role="village_secretary", territory_code=world.village(village).code)


def household_of(session: Session, user: User) -> str:
    resident = session.get(Resident, user.resident_id)
    assert resident is not None
    return resident.household_id


def test_receipts_count_households_by_grid_and_unit_and_reminders_go_to_unit_leaders(
    client: TestClient, session: Session, world: World
) -> None:
    village = world.village(0)
    group = group_of(session, "village", village.code)
    leader = secretary(session, world)
    posted = client.post(
        f"/api/v1/groups/{group.id}/notices",
        json={"title": "停水通知", "body": "明天8点到12点停水", "ack_required": True},
        headers=bearer(session, leader),
    )
    assert posted.status_code == 201, posted.text
    notice_id = posted.json()["id"]
    message = session.scalar(
        select(GroupMessage)
        .join(NoticePosting, NoticePosting.message_id == GroupMessage.id)
        .where(NoticePosting.notice_id == notice_id)
    )
    assert message is not None and message.kind == "notice" and message.pinned_at is not None

    grid = world.tree.grids[village.code][0]
    unit_a, unit_b = world.tree.units[grid.code]
    reader = world.villagers[unit_a.code][0]
    # One villager opens and acknowledges it; another's read pointer passes the message.
    acked = client.post(
        f"/api/v1/notices/{notice_id}/read",
        json={"acknowledge": True},
        headers=bearer(session, reader),
    )
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    pointer_reader = world.villagers[unit_b.code][0]
    from gridgov.accounts.principal import principal_for

    check_mark_read(
        session, group, up_to=message.id, principal=principal_for(session, pointer_reader)
    )
    # The unit leader of unit_a tells the other household of unit_a by phone.
    other = world.villagers[unit_a.code][1]
    told = client.post(
        f"/api/v1/notices/{notice_id}/told",
        json={"household_id": household_of(session, other), "channel": "phone"},
        headers=bearer(session, world.unit_leaders[unit_a.code]),
    )
    assert told.status_code == 200, told.text
    # The API's read (with its acknowledgement) and told mark each tell the group's sockets.
    counts = session.scalars(
        select(Event).where(Event.stream == f"group:{group.id}", Event.kind == "read_counts")
    ).all()
    assert [event.payload for event in counts] == [{"notice_id": notice_id}] * 2

    receipts = client.get(
        f"/api/v1/notices/{notice_id}/receipts", headers=bearer(session, leader)
    ).json()
    households_in_village = len(receipts["households"])
    assert receipts["total"]["households"] == households_in_village
    assert receipts["total"]["read"] == 3
    assert receipts["total"]["acknowledged"] == 1
    by_unit = {row["code"]: row for row in receipts["by_unit"]}
    assert (by_unit[unit_a.code]["read"], by_unit[unit_a.code]["acknowledged"]) == (2, 1)
    assert by_unit[unit_b.code]["read"] == 1
    by_grid = {row["code"]: row for row in receipts["by_grid"]}
    assert by_grid[grid.code]["read"] == 3

    reminded = client.post(
        f"/api/v1/notices/{notice_id}/remind", headers=bearer(session, leader)
    ).json()
    lists = {item["leader_user_id"]: item["households"] for item in reminded["items"]}
    # Acknowledgement is required: every household but the acknowledged one is pending.
    pending = sum(len(households) for households in lists.values())
    assert pending == households_in_village - 1
    unit_b_leader = world.unit_leaders[unit_b.code].id
    assert household_of(session, pointer_reader) in {
        h["household_id"] for h in lists[unit_b_leader]
    }
    outbox = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "notice_reminder")
    ).all()
    assert {row.recipients[0] for row in outbox} == {leader for leader in lists if leader}


def test_a_villager_may_not_post_notices_nor_see_receipts(
    client: TestClient, session: Session, world: World
) -> None:
    village = world.village(0)
    group = group_of(session, "village", village.code)
    unit = world.tree.units[world.tree.grids[village.code][0].code][0]
    villager = world.villagers[unit.code][0]
    refused = client.post(
        f"/api/v1/groups/{group.id}/notices",
        json={"title": "t", "body": "b"},
        headers=bearer(session, villager),
    )
    assert refused.status_code == 403
    notice = check_post_notice(
        session,
        group=group,
        title="通知",
        body="内容",
        priority="normal",
        ack_required=False,
        actor="test",
    )
    assert (
        client.get(
            f"/api/v1/notices/{notice.id}/receipts", headers=bearer(session, villager)
        ).status_code
        == 403  # a villager's role never leads
    )
    assert (
        client.get(f"/api/v1/notices/{notice.id}", headers=bearer(session, villager)).status_code
        == 200
    )
    # Another village's secretary and villagers: as if it did not exist.
    stranger = secretary(session, world, 1)
    for path in (f"/api/v1/notices/{notice.id}", f"/api/v1/notices/{notice.id}/receipts"):
        assert client.get(path, headers=bearer(session, stranger)).status_code == 404
    bad = client.post(
        f"/api/v1/groups/{group.id}/notices",
        json={"title": "t", "body": "b", "priority": "loud"},
        headers=bearer(session, secretary(session, world)),
    )
    assert bad.status_code == 422 and "priority" in bad.text


def test_urgent_notices_go_through_the_bridges_and_drills_do_not(
    session: Session, world: World
) -> None:
    from gridgov.notify.bridges.routes import check_add_route

    village = world.village(0)
    group = group_of(session, "village", village.code)
    check_add_route(
        session,
        kind="wecom",
        group_id=group.id,
        key="0123456789abcdef",
        base_url="http://127.0.0.1:9/cgi-bin/webhook/send",
        actor="test",
    )
    urgent = check_post_notice(
        session,
        territory_code=village.code,
        title="台风转移",
        body="请立即转移",
        priority="urgent",
        ack_required=True,
        actor="emergency",
    )
    posts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "group_post")).all()
    assert len(posts) == 1 and "台风转移" in posts[0].payload["text"]
    drill = check_post_notice(
        session,
        territory_code=village.code,
        title="演练转移",
        body="这是演练",
        priority="urgent",
        ack_required=False,
        actor="emergency",
        drill=True,
    )
    assert drill.drill and urgent.group_id is None
    posts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "group_post")).all()
    assert len(posts) == 1  # the drill sent nothing
    texts = session.scalars(
        select(GroupMessage.text)
        .join(NoticePosting, NoticePosting.message_id == GroupMessage.id)
        .where(NoticePosting.notice_id == drill.id)
    ).all()
    assert texts and all(text is not None and text.startswith("【演练】") for text in texts)
