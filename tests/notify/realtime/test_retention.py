"""Retention: the worker's step prunes a prefix of the log older than the retention, and
records how far it went (a client resuming from below is told to reload)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.notify.realtime import publish
from gridgov.notify.realtime.log import (
    events_after,
    log_bounds,
    prune_events,
    prune_expired_events_step,
    use_retention,
)
from tests.conftest import TEST_NOW


def _publish(session: Session, at: dt.datetime, *kinds: str) -> None:
    with clock.frozen(at):
        for kind in kinds:
            publish(session, stream="group:g1", kind=kind, payload={})
        session.commit()


def test_pruning_deletes_the_expired_prefix_only(session: Session) -> None:
    start, _ = log_bounds(session)
    _publish(session, TEST_NOW - dt.timedelta(days=9), "old_a", "old_b")
    _publish(session, TEST_NOW - dt.timedelta(days=2), "recent")
    assert prune_events(session, before=TEST_NOW - dt.timedelta(days=7)) == 2
    assert [e.kind for e in events_after(session, start)] == ["recent"]
    assert log_bounds(session) == (start + 3, start + 2)
    assert prune_events(session, before=TEST_NOW - dt.timedelta(days=7)) == 0


def test_the_worker_step_uses_the_configured_retention(session: Session) -> None:
    start, _ = log_bounds(session)
    _publish(session, TEST_NOW - dt.timedelta(days=3), "three_days_old")
    try:
        use_retention(7)
        assert prune_expired_events_step(session) == 0
        use_retention(2)
        assert prune_expired_events_step(session) == 1
    finally:
        use_retention(7)
    assert events_after(session, start) == []


def test_pruning_goes_in_batches(session: Session) -> None:
    start, _ = log_bounds(session)
    _publish(session, TEST_NOW - dt.timedelta(days=30), *["old"] * 5)
    assert prune_events(session, before=TEST_NOW, batch=2) == 2
    assert prune_events(session, before=TEST_NOW, batch=2) == 2
    assert prune_events(session, before=TEST_NOW, batch=2) == 1
    assert log_bounds(session)[1] == start + 5
