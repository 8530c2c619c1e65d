"""Concurrent additions to one chain-reply list are all kept, each at its own position
(real commits, one thread and one transaction per member)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.database.sessions import session_factory
from gridgov.groups.chain_models import ChainList
from gridgov.groups.chains import chain_entries, check_open_chain, check_sign_chain
from tests.factories.groups import group_of, make_world

MEMBERS = 8


@pytest.mark.postgresql
@pytest.mark.parametrize("fresh_database", ["postgresql"], indirect=True)
def test_concurrent_additions_are_all_kept_in_distinct_positions(fresh_database) -> None:
    engine = fresh_database.migrate().engine
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        world = make_world(session, villages=1)
        village = world.village(0)
        group = group_of(session, "village", village.code)
        users = [u.id for members in world.villagers.values() for u in members][:MEMBERS]
        opener = session.get(User, users[0])
        assert opener is not None
        chain = check_open_chain(
            session,
            group,
            title="谁在家",
            fields=["在家人数"],
            closes_at=clock.now() + dt.timedelta(hours=1),
            author=opener,
            actor="test",
        )
        chain_id = chain.id
    start = threading.Barrier(len(users))
    failures: list[BaseException] = []

    def sign(user_id: str) -> None:
        try:
            with sessions() as session, session.begin():
                found = session.get(ChainList, chain_id)
                user = session.get(User, user_id)
                assert found is not None and user is not None
                start.wait(timeout=30)
                check_sign_chain(session, found, user=user, values={"在家人数": "2"})
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=sign, args=(user_id,)) for user_id in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with sessions() as session:
        found = session.get(ChainList, chain_id)
        assert found is not None
        entries = chain_entries(session, found)
        assert sorted(e.user_id for e in entries) == sorted(users)
        assert [e.position for e in entries] == list(range(1, len(users) + 1))
        assert found.last_position == len(users)
