"""Posting through the actions: seq per group, events on the group's stream (after commit,
by the realtime log), recall hiding the text from the event, the streams resolver, the
system message, and a member's own-data export."""

from __future__ import annotations

from sqlalchemy import select

from gridgov.accounts.principal import principal_for
from gridgov.groups.actions import (
    Draft,
    check_post_message,
    check_recall_message,
    check_remove_member,
    do_post_system_message,
)
from gridgov.groups.events import group_streams
from gridgov.notify.realtime.models import Event
from gridgov.notify.realtime.streams import streams_for
from gridgov.registry.own_data import export_resident_data
from tests.factories.access import ACTOR
from tests.factories.groups import group_of, make_world


def _events(session, stream: str) -> list[Event]:
    session.flush()
    return list(session.scalars(select(Event).where(Event.stream == stream).order_by(Event.id)))


def test_posts_number_by_group_and_publish_on_its_stream(session) -> None:
    world = make_world(session, villages=2, grids=1, units=1)
    unit = world.tree.all_units()[0].code
    author = world.villagers[unit][0]
    principal = principal_for(session, author)
    mine = group_of(session, "village", world.village(0).code)
    other = group_of(session, "village", world.village(1).code)
    seqs = [
        check_post_message(session, mine, Draft(text=f"第{n}条"), principal=principal).seq
        for n in range(3)
    ]
    system = do_post_system_message(session, other, "反映的问题已办结", actor=ACTOR)
    assert seqs == [1, 2, 3] and system.seq == 1 and system.author_user_id is None
    events = _events(session, f"group:{mine.id}")
    assert [(e.kind, e.payload["seq"], e.payload["text"]) for e in events] == [
        ("message", 1, "第0条"),
        ("message", 2, "第1条"),
        ("message", 3, "第2条"),
    ]
    recalled = check_recall_message(
        session, session.get(type(system), events[0].payload["id"]), actor=ACTOR
    )
    last = _events(session, f"group:{mine.id}")[-1]
    assert last.kind == "recall" and last.payload == {"id": recalled.id, "seq": 1, "pinned": False}


def test_the_socket_streams_are_the_members_groups(session) -> None:
    world = make_world(session, villages=2, grids=1, units=1)
    unit = world.tree.all_units()[0].code
    villager = world.villagers[unit][0]
    principal = principal_for(session, villager)
    mine = group_of(session, "village", world.village(0).code)
    assert group_streams(session, principal) == [f"group:{mine.id}"]
    assert streams_for(session, principal) >= {f"group:{mine.id}", f"user:{villager.id}"}
    check_remove_member(session, mine, user_id=villager.id, reason="test", actor=ACTOR)
    assert group_streams(session, principal) == []
    # their sockets are asked to reconnect (and so lose the group's stream)
    assert _events(session, f"user:{villager.id}")[-1].kind == "reconnect"


def test_a_members_messages_are_in_their_own_data(session) -> None:
    world = make_world(session, villages=1, grids=1, units=1)
    unit = world.tree.all_units()[0].code
    author = world.villagers[unit][0]
    group = group_of(session, "village", world.village().code)
    check_post_message(
        session, group, Draft(text="我的话"), principal=principal_for(session, author)
    )
    exported = export_resident_data(session, author.resident_id, actor=ACTOR)
    assert [m["text"] for m in exported["group_messages"]] == ["我的话"]
    assert exported["group_messages"][0]["group"] == group.name
