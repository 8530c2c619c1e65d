"""Reading the event log (what a resuming client missed, what a hub has not fanned out
yet) and pruning it (the retention job)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gridgov.notify.realtime.models import Event, EventCounter


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the hub and the sockets carry it (no ORM object across threads)."""

    position: int
    stream: str
    kind: str
    payload: dict[str, Any]
    created_at: dt.datetime

    @cached_property
    def frame(self) -> str:
        """The text frame sent to clients (docs/events.md), serialised once for all."""
        message = {
            "type": "event",
            "position": self.position,
            "stream": self.stream,
            "kind": self.kind,
            "payload": self.payload,
            "at": self.created_at.isoformat(),
        }
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def events_after(
    session: Session, after: int, *, streams: Collection[str] | None = None, limit: int = 500
) -> list[LoggedEvent]:
    """Committed events numbered above ``after``, in order (of ``streams`` only if given)."""
    table = Event.__table__
    query = select(table).where(table.c.position > after)
    if streams is not None:
        query = query.where(table.c.stream.in_(sorted(streams)))
    rows = session.execute(query.order_by(table.c.position).limit(limit))
    return [
        LoggedEvent(row.position, row.stream, row.kind, row.payload, row.created_at) for row in rows
    ]


def log_bounds(session: Session) -> tuple[int, int]:
    """(last position handed out, highest position pruned): read without taking the lock."""
    row = session.execute(
        select(EventCounter.last_position, EventCounter.pruned_upto).where(EventCounter.id == 1)
    ).one_or_none()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def prune_events(session: Session, *, before: dt.datetime) -> int:
    """Delete the events created before ``before`` (the retention job, in its own
    transaction); records the highest deleted position so a client resuming from below it
    is told to reload its state. Returns how many rows went."""
    table = Event.__table__
    old = (table.c.created_at < before) & table.c.position.is_not(None)
    highest = session.execute(select(func.max(table.c.position)).where(old)).scalar()
    if highest is None:
        return 0
    deleted = session.connection().execute(delete(table).where(table.c.position <= highest))
    counter = EventCounter.__table__
    session.execute(
        update(counter)
        .where(counter.c.id == 1, counter.c.pruned_upto < highest)
        .values(pruned_upto=highest)
    )
    return int(deleted.rowcount or 0)
