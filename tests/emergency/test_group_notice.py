"""A roll-call's urgent notice goes to the groups of its territory, with their bridges; a
drill's notice says so and sends nothing through any bridge."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.groups.notice_models import Notice, NoticePosting
from gridgov.groups.queries import village_group
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.models import OutboxMessage
from tests.emergency.rollcall_world import Island, make_island, start


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def _robot_of_village(session: Session, island: Island) -> str:
    group = village_group(session, island.village)
    assert group is not None
    route = check_add_route(
        session,
        kind="wecom",
        group_id=group.id,
        key="robot-key-of-the-village",
        base_url="http://127.0.0.1:9",
        actor="test",
    )
    return route.id


def _bridged(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel != "inbox")))


def test_a_roll_call_posts_an_urgent_notice_in_its_groups_and_through_their_bridges(
    session: Session, island: Island
) -> None:
    route_id = _robot_of_village(session, island)
    roll_call = start(session, island)
    notice = session.scalars(select(Notice).where(Notice.territory_code == island.town)).one()
    assert (notice.priority, notice.ack_required, notice.drill) == ("urgent", True, False)
    assert "台风" in notice.title
    group = village_group(session, island.village)
    assert group is not None
    postings = session.scalars(select(NoticePosting).where(NoticePosting.notice_id == notice.id))
    assert group.id in {posting.group_id for posting in postings}
    bridged = _bridged(session)
    assert [row.route_id for row in bridged if row.channel == "wecom"] == [route_id]
    assert roll_call.drill is False


def test_a_drill_says_so_in_the_group_and_sends_nothing_through_the_bridges(
    session: Session, island: Island
) -> None:
    _robot_of_village(session, island)
    start(session, island, drill=True)
    notice = session.scalars(select(Notice).where(Notice.territory_code == island.town)).one()
    assert notice.drill is True
    assert _bridged(session) == []


def test_a_territory_without_groups_still_gets_its_roll_call_and_the_leaders_copy(
    session: Session, island: Island
) -> None:
    from gridgov.groups.models import Group

    for group in session.scalars(select(Group)):
        group.status = "archived"
    session.flush()
    roll_call = start(session, island)
    assert session.scalars(select(Notice)).all() == []
    copies = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "rollcall_notice")
    ).all()
    assert copies and all(row.payload["roll_call_id"] == roll_call.id for row in copies)
