"""The hub fans out without waiting on anyone: a full queue marks its subscriber as behind,
the others get every event."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from gridgov.notify.realtime import publish
from gridgov.notify.realtime.hub import Hub
from gridgov.notify.realtime.log import LoggedEvent

AT = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def _event(position: int, stream: str = "group:g1") -> LoggedEvent:
    return LoggedEvent(position, stream, "message", {"n": position}, AT)


def test_a_full_queue_marks_only_its_subscriber_behind(
    session_maker: sessionmaker[Session], session: Session
) -> None:
    """Published and committed events wake the hub (after commit), which reads them and
    offers them to the subscribers of their stream; the slow one's queue of 2 overflows."""

    async def scenario() -> None:
        hub = Hub(session_maker, poll_seconds=60)
        await hub.ensure_started()
        slow = hub.subscribe({"group:g1"}, queue_size=2)
        fast = hub.subscribe({"group:g1", "user:u1"}, queue_size=100)
        other = hub.subscribe({"group:g2"}, queue_size=1)
        for n in range(5):
            publish(session, stream="group:g1", kind="message", payload={"n": n})
            session.commit()
        received = [
            (await asyncio.wait_for(fast.queue.get(), timeout=10)).payload["n"] for _ in range(5)
        ]
        await hub.stop()
        assert received == [0, 1, 2, 3, 4]
        assert slow.overflowed.is_set() and slow.queue.qsize() == 2
        assert not fast.overflowed.is_set()
        assert other.queue.empty() and not other.overflowed.is_set()
        assert hub.subscriber_count == 3
        for subscriber in (slow, fast, other):
            hub.unsubscribe(subscriber)
        assert hub.subscriber_count == 0

    asyncio.run(scenario())


def test_a_rolled_back_publish_reaches_no_subscriber(session_maker, session) -> None:
    async def scenario() -> list[int]:
        hub = Hub(session_maker, poll_seconds=60)
        await hub.ensure_started()
        subscriber = hub.subscribe({"group:g1"}, queue_size=10)
        publish(session, stream="group:g1", kind="message", payload={"n": "rolled back"})
        session.rollback()
        publish(session, stream="group:g1", kind="message", payload={"n": "committed"})
        session.commit()
        first = await asyncio.wait_for(subscriber.queue.get(), timeout=10)
        await asyncio.sleep(0.2)
        await hub.stop()
        return [first.payload["n"], subscriber.queue.qsize()]

    assert asyncio.run(scenario()) == ["committed", 0]


def test_the_frame_is_the_documented_json(session_maker) -> None:
    import json

    frame = json.loads(_event(7).frame)
    assert frame == {
        "type": "event",
        "position": 7,
        "stream": "group:g1",
        "kind": "message",
        "payload": {"n": 7},
        "at": "2026-11-30T01:00:00+00:00",
    }
