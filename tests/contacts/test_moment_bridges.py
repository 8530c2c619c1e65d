"""A "must visit" notice also leaves through the bridges of the household's grid group
(its WeCom robots), naming the unit and the due date only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.contacts.moments import MOMENT_WORDS, check_add_hand_moment
from gridgov.groups.actions import check_create_group
from gridgov.i18n import Message
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.models import OutboxMessage
from gridgov.registry.life_events import check_record_death
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.registry import make_resident

TODAY = dt.date(2026, 11, 30)  # tests/conftest.py's frozen day


def _robot_posts(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "group_post", OutboxMessage.channel == "wecom"
            )
        )
    )


def _grid_with_robot(session: Session, grid_code: str, key: str) -> str:
    group = check_create_group(session, territory_code=grid_code, actor=ACTOR)
    check_add_route(
        session,
        kind="wecom",
        group_id=group.id,
        key=key,
        base_url="http://127.0.0.1:9/",
        actor=ACTOR,
    )
    return group.id


def test_a_death_reaches_the_grid_robot_without_who_or_why(session: Session) -> None:
    world = make_world(session)
    link(session, world, 2, 0)
    household = world.households[2]
    grid_code = household.territory_code[:15]
    other_grid = next(
        h.territory_code[:15] for h in world.households if h.territory_code[:15] != grid_code
    )
    group_id = _grid_with_robot(session, grid_code, "key-00000001")
    _grid_with_robot(session, other_grid, "key-00000002")
    dying = make_resident(session, household=household)
    check_record_death(session, dying, occurred_on=TODAY, actor=ACTOR)

    (post,) = _robot_posts(session)  # the household's grid only, not the other grid's
    assert post.payload["group_id"] == group_id
    text = post.payload["text"]
    unit = next(u for u in world.tree.all_units() if u.code == household.territory_code)
    assert unit.name_zh in text and text.startswith("【四必到】")  # the group reads Chinese
    assert (TODAY + dt.timedelta(days=3)).isoformat() in text
    # Nobody named, no reason given (in either language).
    for name in (dying.name, world.heads[2].name, world.heads[0].name):
        assert name not in text
    assert household.household_no not in text
    for words in (MOMENT_WORDS["death"], Message(MOMENT_WORDS["death"]).render("zh-CN")):
        assert words not in text
    assert "死亡" not in text and "去世" not in text and "丧" not in text
    # The member still hears the reason in the app.
    inbox = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "contact_must_visit"))
    assert inbox.recipients == [world.member_users[0].id]
    assert inbox.payload["reason"] == "death"


def test_a_hand_moment_goes_to_the_robot_and_no_grid_group_means_no_post(
    session: Session,
) -> None:
    world = make_world(session)
    link(session, world, 1, 0)
    check_add_hand_moment(
        session,
        world.households[1],
        reason="hospital",
        due_on=TODAY + dt.timedelta(days=2),
        note="住院",
        actor=ACTOR,
    )
    assert _robot_posts(session) == []  # the grid has no group yet: the inbox only
    _grid_with_robot(session, world.households[1].territory_code[:15], "key-00000003")
    check_add_hand_moment(
        session,
        world.households[1],
        reason="hospital",
        due_on=TODAY + dt.timedelta(days=2),
        note="住院",
        actor=ACTOR,
    )
    (post,) = _robot_posts(session)
    assert "住院" not in post.payload["text"]
    assert (TODAY + dt.timedelta(days=2)).isoformat() in post.payload["text"]
