"""Publish an event in the caller's transaction; number it at commit; wake the hub after.

Why positions are set at commit, not from a sequence: a sequence numbers events when they
are written, so a transaction A that writes position 5 and commits after B (position 6)
becomes visible after a client already resumed past 6, and that client never sees 5. Here
every transaction that published takes, in its ``before_commit`` hook and as its very last
statement, the lock of the one ``event_counter`` row (``UPDATE ... RETURNING``), numbers its
events after the counter and commits, releasing the lock. The next publisher waits on that
lock until this commit is done, so position order is commit order, and positions are dense
(a failed commit rolls the counter back with its events). The lock is held only from the
last flush to the commit; transactions that publish nothing never touch it.

On PostgreSQL the same transaction sends ``NOTIFY`` with its last position (delivered by
the server at commit, never for a rollback) so every server process's hub wakes; in this
process, the ``after_commit`` hook also wakes the hubs registered with
:func:`on_published` at once.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy.orm import Session

from gridgov.ids import new_id
from gridgov.notify.realtime.models import Event, EventCounter

NOTIFY_CHANNEL = "gridgov_events"
STREAM_PATTERN = re.compile(r"^[a-z_]{1,16}:[A-Za-z0-9_.\-]{1,47}$")
KIND_PATTERN = re.compile(r"^[a-z_]{1,32}$")

_PENDING = "gridgov.realtime.pending"  # ids of events this transaction wrote, in order
_UPTO = "gridgov.realtime.published_upto"  # last position numbered by the committing tx
_HOOKED = "gridgov.realtime.hooked"

log = logging.getLogger(__name__)
_listeners: list[Callable[[int], None]] = []


def publish(session: Session, *, stream: str, kind: str, payload: dict[str, Any]) -> None:
    """Write one event of ``stream`` in the caller's transaction (delivered after commit).

    ``stream`` is ``<type>:<id>`` (``group:…``, ``user:…``, ``rollcall:…``,
    ``territory:…``); ``kind`` names what happened; ``payload`` must be JSON."""
    if not STREAM_PATTERN.match(stream):
        raise ValueError(f"bad event stream {stream!r} (expected type:id)")
    if not KIND_PATTERN.match(kind):
        raise ValueError(f"bad event kind {kind!r}")
    json.dumps(payload)  # refuse what the socket could not send, at the writer's side
    row = Event(id=new_id(), stream=stream, kind=kind, payload=payload)
    session.add(row)  # flushed with the caller's other writes
    _hook(session)
    session.info.setdefault(_PENDING, []).append(row.id)


def on_published(callback: Callable[[int], None]) -> Callable[[], None]:
    """Call ``callback(last_position)`` after every commit in this process that published
    (from the committing thread); returns the function that unregisters it."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def ensure_counter(session: Session) -> None:
    """Create the counter row if missing (the migration creates it; tests on bare
    metadata and a restored backup may not have it)."""
    if session.get(EventCounter, 1) is None:
        session.add(EventCounter(id=1, last_position=0, pruned_upto=0))
        session.flush()


def _hook(session: Session) -> None:
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    event.listen(session, "before_commit", _number_events)
    event.listen(session, "after_commit", _wake)
    event.listen(session, "after_rollback", _forget)


def _number_events(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids:
        return
    session.flush()  # every other write first: the counter lock is the last one taken
    table = Event.__table__
    alive: set[str] = set()
    for start in range(0, len(ids), 500):  # ids of rolled-back savepoints are gone
        chunk = ids[start : start + 500]
        found = session.execute(
            select(table.c.id).where(table.c.id.in_(chunk), table.c.position.is_(None))
        )
        alive.update(found.scalars())
    kept = [event_id for event_id in ids if event_id in alive]
    if not kept:
        return
    last = _take_positions(session, len(kept))
    first = last - len(kept) + 1
    session.execute(
        update(table).where(table.c.id == bindparam("event_id")).values(position=bindparam("pos")),
        [{"event_id": event_id, "pos": first + n} for n, event_id in enumerate(kept)],
    )
    if session.get_bind().dialect.name == "postgresql":
        notify = text("SELECT pg_notify(:channel, :last)")
        session.execute(notify, {"channel": NOTIFY_CHANNEL, "last": str(last)})
    session.info[_UPTO] = last


def _take_positions(session: Session, count: int) -> int:
    """Lock the counter row until commit and reserve ``count`` positions after it."""
    counter = EventCounter.__table__
    statement = (
        update(counter)
        .where(counter.c.id == 1)
        .values(last_position=counter.c.last_position + count)
        .returning(counter.c.last_position)
    )
    last = session.execute(statement).scalar_one_or_none()
    if last is None:
        ensure_counter(session)
        last = session.execute(statement).scalar_one()
    return int(last)


def _wake(session: Session) -> None:
    last = session.info.pop(_UPTO, None)
    if last is None:
        return
    for callback in list(_listeners):
        try:
            callback(last)
        except Exception:  # the commit is done: a listener's trouble must not undo the caller
            log.exception("realtime: a listener of published events failed")


def _forget(session: Session) -> None:
    session.info.pop(_UPTO, None)
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
