"""publish(): rows in the caller's transaction, numbered at commit in commit order, the hub
woken after commit only."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.database.sessions import session_factory
from gridgov.notify.realtime import on_published, publish
from gridgov.notify.realtime.log import events_after, log_bounds
from gridgov.notify.realtime.models import Event


def test_an_event_is_numbered_at_commit(session: Session) -> None:
    before, _ = log_bounds(session)
    publish(session, stream="group:g1", kind="message", payload={"text": "台风来了"})
    row = session.scalars(select(Event)).one()
    assert row.position is None  # written now, numbered at commit
    session.commit()
    events = events_after(session, before)
    assert [(e.position, e.stream, e.payload) for e in events] == [
        (before + 1, "group:g1", {"text": "台风来了"})
    ]
    assert log_bounds(session)[0] == before + 1


def test_events_of_one_commit_keep_their_order(session: Session) -> None:
    before, _ = log_bounds(session)
    for n in range(3):
        publish(session, stream=f"user:u{n}", kind="ping", payload={"n": n})
    session.commit()
    assert [e.payload["n"] for e in events_after(session, before)] == [0, 1, 2]
    positions = [e.position for e in events_after(session, before)]
    assert positions == [before + 1, before + 2, before + 3]


def test_a_rolled_back_write_publishes_nothing(session: Session) -> None:
    woken: list[int] = []
    remove = on_published(woken.append)
    try:
        before, _ = log_bounds(session)
        publish(session, stream="group:g1", kind="message", payload={})
        session.rollback()
        assert woken == []
        session.commit()  # nothing pending any more
        assert woken == [] and events_after(session, before) == []
        publish(session, stream="group:g1", kind="message", payload={})
        assert woken == []  # not before commit
        session.commit()
        assert woken == [before + 1]
    finally:
        remove()


def test_a_rolled_back_savepoint_takes_its_events(session: Session) -> None:
    before, _ = log_bounds(session)
    publish(session, stream="group:g1", kind="kept", payload={})
    nested = session.begin_nested()
    publish(session, stream="group:g1", kind="dropped", payload={})
    nested.rollback()
    session.commit()
    assert [e.kind for e in events_after(session, before)] == ["kept"]


@pytest.mark.parametrize(
    ("stream", "kind", "payload"),
    [
        ("group", "message", {}),
        ("group:" + "x" * 60, "message", {}),
        ("group:g 1", "message", {}),
        ("group:g1", "Message!", {}),
        ("group:g1", "message", {"when": object()}),
    ],
)
def test_bad_events_are_refused_at_the_writer(session: Session, stream, kind, payload) -> None:
    with pytest.raises((ValueError, TypeError)):
        publish(session, stream=stream, kind=kind, payload=payload)


def test_a_transaction_that_commits_late_is_still_seen_after_the_earlier_commit(
    fresh_database,
) -> None:
    """A writes first, B writes and commits, then A commits: A's event comes after B's, so a
    client that resumed from B's position still receives A's (a sequence would number A
    below B and that client would skip it)."""
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: B cannot write while A is open")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as a, maker() as b, maker() as reader:
        publish(a, stream="group:g1", kind="written_first", payload={})
        publish(b, stream="group:g1", kind="committed_first", payload={})
        b.commit()
        seen = events_after(reader, 0)
        assert [e.kind for e in seen] == ["committed_first"]
        reader.commit()
        a.commit()
        resumed = events_after(reader, seen[-1].position)
        assert [e.kind for e in resumed] == ["written_first"]
        assert resumed[0].position == seen[-1].position + 1


def test_concurrent_publishers_never_leave_a_gap_behind_a_reader(fresh_database) -> None:
    """Readers poll while 6 threads publish and commit: every read continues exactly where
    the last stopped (positions are dense and visible in order), so nothing is skipped."""
    maker = session_factory(fresh_database.migrate().engine)
    writers, commits = 6, 25
    done = threading.Event()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(commits):
                with maker() as session:
                    publish(session, stream=f"user:w{n}", kind="tick", payload={"i": i})
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    positions: list[int] = []
    with maker() as reader:
        while not done.is_set():
            done.set() if not any(t.is_alive() for t in threads) else None
            for logged in events_after(reader, positions[-1] if positions else 0):
                assert logged.position == (positions[-1] if positions else 0) + 1
                positions.append(logged.position)
            reader.commit()
    for thread in threads:
        thread.join()
    assert errors == []
    assert positions == list(range(1, writers * commits + 1))
