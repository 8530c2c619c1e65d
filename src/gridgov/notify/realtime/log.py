"""Reading the event log (what a resuming client missed, what a hub has not fanned out
yet) and pruning it (the retention job)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gridgov import clock
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


DEFAULT_RETENTION = dt.timedelta(days=7)
_retention = DEFAULT_RETENTION


def use_retention(days: int) -> None:
    """How long events are kept (GRIDGOV_EVENTS_RETENTION_DAYS, see gridgov.deployment)."""
    global _retention  # noqa: PLW0603 - one deployment, one retention per process
    _retention = dt.timedelta(days=days)


def prune_expired_events_step(session: Session) -> int:
    """The worker's step: prune what is older than the retention (cheap when nothing is)."""
    return prune_events(session, before=clock.now() - _retention)


def prune_events(session: Session, *, before: dt.datetime, batch: int = 1000) -> int:
    """Delete the oldest events, up to ``batch`` of them, as long as they were created
    before ``before``: always a prefix of the log, so a resuming client either has every
    event after its position or is told it was pruned. Records the highest deleted
    position in the counter (``pruned_upto``). Returns how many rows went (the worker runs
    it again while it finds work)."""
    table = Event.__table__
    oldest = session.execute(
        select(table.c.position, table.c.created_at)
        .where(table.c.position.is_not(None))
        .order_by(table.c.position)
        .limit(batch)
    ).all()
    expired = 0
    while expired < len(oldest) and oldest[expired].created_at < before:
        expired += 1
    if expired == 0:
        return 0
    highest = oldest[expired - 1].position
    session.execute(delete(table).where(table.c.position <= highest))
    counter = EventCounter.__table__
    session.execute(
        update(counter)
        .where(counter.c.id == 1, counter.c.pruned_upto < highest)
        .values(pruned_upto=highest)
    )
    return expired
