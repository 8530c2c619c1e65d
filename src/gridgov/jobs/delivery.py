"""The delivery job step: claim undelivered outbox rows of the inbox channel and hand them
to the inbox (the bridges' channels are gridgov.jobs.bridges's).

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers at once
each take different rows and none is delivered twice (SQLite has one writer at a time, and
ignores the clause). Each message is delivered inside a savepoint: a bad one gets
``attempts + 1`` and its ``last_error`` and never blocks the others; after MAX_ATTEMPTS it
is a dead letter (``dead_at``; ``last_error`` says why), listed to administrators with the
bridges' (``GET /api/v1/bridges/dead-letters``), who retry or discard it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.notify.delivery import do_deliver_to_inbox
from gridgov.notify.models import OutboxMessage

MAX_ATTEMPTS = 5
ERROR_MAX = 255


def claim_pending(session: Session, *, batch: int) -> list[OutboxMessage]:
    """Up to ``batch`` undelivered messages, oldest first, locked for this transaction."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "inbox",
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.dead_at.is_(None),
            OutboxMessage.discarded_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def deliver_outbox_step(session: Session, *, batch: int = 500) -> int:
    """Deliver one batch; returns how many messages it handled (delivered or failed), so
    0 means nothing is pending. The caller commits."""
    messages = claim_pending(session, batch=batch)
    now = clock.now()
    for message in messages:
        try:
            with session.begin_nested():
                do_deliver_to_inbox(session, message, now=now)
        except Exception as exc:
            message.delivered_at = None
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
            if message.attempts >= MAX_ATTEMPTS:
                message.dead_at = now
            session.flush()
    return len(messages)
