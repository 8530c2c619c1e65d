"""The hub's LISTEN connection on PostgreSQL: a commit in another process's session wakes
it, and when its connection is killed it reconnects and reads what it missed."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import text

from gridgov.database.sessions import session_factory
from gridgov.notify.realtime import publish
from gridgov.notify.realtime.hub import Hub
from gridgov.notify.realtime.listener import listen_url


def test_notify_wakes_the_hub_and_a_dropped_connection_reconnects(fresh_database) -> None:
    if fresh_database.backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    engine = fresh_database.migrate().engine
    maker = session_factory(engine)
    url = listen_url(engine)
    assert url is not None and url.startswith("postgresql://")
    # A name of this test's own, so that only its listening connection is killed.
    name = f"gridgov-test-listener-{secrets.token_hex(4)}"
    url += ("&" if "?" in url else "?") + f"application_name={name}"

    def commit_event(n: int) -> None:
        with maker() as session:
            publish(session, stream="group:g1", kind="message", payload={"n": n})
            session.commit()

    def kill_listener() -> int:
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
            return int(killed)

    async def scenario() -> list[int]:
        # No poll within the test and no wake from this process's commits: only NOTIFY.
        hub = Hub(maker, poll_seconds=3600, listen_url=url)
        await hub.ensure_started()
        assert hub._unregister is not None
        hub._unregister()  # (the in-process after-commit wake would hide the listener)
        assert hub._listener is not None
        await asyncio.wait_for(hub._listener.connected.wait(), timeout=10)
        subscriber = hub.subscribe({"group:g1"}, queue_size=10)
        await asyncio.to_thread(commit_event, 1)
        first = await asyncio.wait_for(subscriber.queue.get(), timeout=10)
        assert await asyncio.to_thread(kill_listener) >= 1
        await asyncio.to_thread(commit_event, 2)  # while the listener may be down
        second = await asyncio.wait_for(subscriber.queue.get(), timeout=20)
        await hub.stop()
        return [first.payload["n"], second.payload["n"]]

    assert asyncio.run(scenario()) == [1, 2]
