"""What happens to bridge rows after a try: sent, failed (backoff, then a dead letter),
deferred (a rate limit), and what administrators do with dead letters (retry, discard)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.notify.bridges import ratelimit
from gridgov.notify.models import OutboxMessage

MAX_ATTEMPTS: Final = 5  # the inbox's too (gridgov.jobs.delivery)
RETRY_BASE: Final = dt.timedelta(seconds=30)
RETRY_CAP: Final = dt.timedelta(hours=1)
ERROR_MAX: Final = 255


def do_mark_sent(rows: Iterable[OutboxMessage], *, now: dt.datetime) -> None:
    for row in rows:
        row.delivered_at = now
        row.next_attempt_at = None


def do_record_failure(rows: Iterable[OutboxMessage], error: str, *, now: dt.datetime) -> None:
    """One more failed attempt: tried again after an exponential backoff (30 s, 1 min,
    2 min, ... at most an hour), a dead letter after MAX_ATTEMPTS."""
    for row in rows:
        row.attempts += 1
        row.last_error = error[:ERROR_MAX]
        if row.attempts >= MAX_ATTEMPTS:
            row.dead_at = now
            row.next_attempt_at = None
        else:
            row.next_attempt_at = now + ratelimit.backoff(
                row.attempts, base=RETRY_BASE, cap=RETRY_CAP
            )


def do_defer(rows: Iterable[OutboxMessage], *, until: dt.datetime) -> None:
    """Not tried yet (a rate limit): looked at again at ``until``; no attempt counted."""
    for row in rows:
        row.next_attempt_at = until


def _dead() -> tuple:
    return (OutboxMessage.dead_at.is_not(None), OutboxMessage.discarded_at.is_(None))


def list_dead_letters(
    session: Session, *, channel: str | None, limit: int, offset: int
) -> tuple[list[OutboxMessage], int]:
    conditions = [*_dead()]
    if channel is not None:
        conditions.append(OutboxMessage.channel == channel)
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*conditions))
    rows = session.scalars(
        select(OutboxMessage)
        .where(*conditions)
        .order_by(OutboxMessage.dead_at.desc(), OutboxMessage.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0


def get_dead_letter(session: Session, message_id: str) -> OutboxMessage:
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id, *_dead()))
    if row is None:
        raise NotFound(Message("no dead letter has id %(message_id)s", message_id=message_id))
    return row


def do_retry_dead_letter(
    session: Session, row: OutboxMessage, *, now: dt.datetime, actor: str
) -> None:
    """Back in the queue with its attempts reset (after the bridge was fixed)."""
    row.dead_at = None
    row.attempts = 0
    row.next_attempt_at = now
    session.flush()


def do_discard_dead_letter(
    session: Session, row: OutboxMessage, *, now: dt.datetime, actor: str
) -> None:
    """Off the list for good; kept, with who discarded it and when."""
    row.discarded_at = now
    row.discarded_by = actor
    session.flush()
