"""E-mail digests: what a member was notified of since their last digest, in one mail at
the rhythm they chose (daily, weekly). The job step (gridgov.jobs.bridges) claims the users
whose ``digest_due_at`` has come (timers are rows) and calls :func:`do_digest_user`, which
writes the digest to the outbox (sent by the e-mail bridge) and sets the next timer."""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.i18n import Message
from gridgov.notify.bridges.enqueue import enqueue_digest
from gridgov.notify.bridges.schedule import next_digest_at
from gridgov.notify.models import Notification, OutboxMessage

ITEMS_MAX: Final = 200  # notifications listed in one digest (the rest are counted)


def claim_due_digests(session: Session, *, now: dt.datetime, batch: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(
                User.digest_due_at <= now,
                User.digest_rhythm != "off",
                User.is_active.is_(True),
            )
            .order_by(User.digest_due_at, User.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )


def _notifications(session: Session, user: User, now: dt.datetime) -> list[Notification]:
    since = user.digest_since or dt.datetime.min.replace(tzinfo=dt.UTC)
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.created_at > since,
                Notification.created_at <= now,
            )
            .order_by(Notification.created_at, Notification.id)
        )
    )


def digest_text(user: User, items: list[Notification]) -> tuple[str, str]:
    """(subject, body) of a digest of ``items`` in the user's language."""
    language = user.language
    subject = Message("gridgov: %(count)s new notifications", count=len(items)).render(language)
    lines = [
        Message(
            "Hello %(name)s, this is what you were notified of:",
            name=user.display_name or user.username,
        ).render(language),
        "",
    ]
    for item in items[:ITEMS_MAX]:
        when = clock.local(item.created_at).strftime("%Y-%m-%d %H:%M")
        lines.append(f"- {when}  {item.title_in(language)}")
        body = item.body_in(language)
        if body:
            lines.append(f"  {body}")
    if len(items) > ITEMS_MAX:
        lines.append(
            Message("... and %(more)s more on the platform.", more=len(items) - ITEMS_MAX).render(
                language
            )
        )
    lines += ["", Message("Change how often you get this mail in your settings.").render(language)]
    return subject, "\n".join(lines)


def do_digest_user(session: Session, user: User, *, now: dt.datetime) -> OutboxMessage | None:
    """The user's digest (None when nothing new, or no address), and their next timer."""
    items = _notifications(session, user, now)
    row = None
    if items and user.email:
        subject, body = digest_text(user, items)
        row = enqueue_digest(session, user_id=user.id, subject=subject, body=body, count=len(items))
    user.digest_since = now
    user.digest_due_at = next_digest_at(user.digest_rhythm, now, clock.zone())
    session.flush()
    return row
