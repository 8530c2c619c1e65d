"""Concurrent posts to one group (real commits, a database of their own): seq is dense,
never repeated, and its order is the order of commits (checked against the event log,
whose positions follow commit order); a post waits for an earlier one still open."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.database.sessions import session_factory
from gridgov.groups.actions import Draft, check_post_message
from gridgov.groups.models import Group, GroupMessage
from gridgov.notify.realtime.models import Event
from tests.factories.groups import group_of, make_world

WRITERS = 6
POSTS_EACH = 5


def _setup(fresh_database) -> tuple[object, str, list[str]]:
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as session, session.begin():
        world = make_world(session, villages=1, grids=1, units=2)
        group_id = group_of(session, "village", world.village().code).id
        authors = [user.id for users in world.villagers.values() for user in users]
    return maker, group_id, authors


def _post(maker, group_id: str, user_id: str, text: str) -> int:
    with maker() as session, session.begin():
        group = session.get(Group, group_id)
        principal = principal_for(session, session.get(User, user_id))
        return check_post_message(
            session, group, Draft(text=text), principal=principal, per_minute=1000
        ).seq


def test_concurrent_posts_get_dense_seqs_in_commit_order(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite serialises writers: no two posts are ever open at once")
    maker, group_id, authors = _setup(fresh_database)
    errors: list[BaseException] = []

    def writer(user_id: str) -> None:
        try:
            for number in range(POSTS_EACH):
                _post(maker, group_id, user_id, f"{user_id[-4:]}-{number}")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(authors[i % len(authors)],)) for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with maker() as session:
        seqs = list(
            session.scalars(select(GroupMessage.seq).where(GroupMessage.group_id == group_id))
        )
        by_commit = [
            event.payload["seq"]
            for event in session.scalars(
                select(Event)
                .where(Event.stream == f"group:{group_id}", Event.kind == "message")
                .order_by(Event.position)
            )
        ]
    total = WRITERS * POSTS_EACH
    assert sorted(seqs) == list(range(1, total + 1))
    assert by_commit == list(range(1, total + 1))  # seq order is commit order


def test_a_post_waits_for_an_earlier_one_still_open(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite serialises writers: no two posts are ever open at once")
    maker, group_id, authors = _setup(fresh_database)
    done: dict[str, float | int] = {}

    def second() -> None:
        done["second_seq"] = _post(maker, group_id, authors[1], "second")
        done["second_at"] = time.monotonic()

    with maker() as session, session.begin():
        group = session.get(Group, group_id)
        principal = principal_for(session, session.get(User, authors[0]))
        first = check_post_message(session, group, Draft(text="first"), principal=principal)
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.5)  # the second post reaches the group's row and waits on its lock
        assert "second_seq" not in done
        first_seq = first.seq
        committed_at = time.monotonic()
    worker.join(timeout=30)
    assert (first_seq, done["second_seq"]) == (1, 2)
    assert done["second_at"] >= committed_at
