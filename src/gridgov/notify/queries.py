"""Reads of the in-app inbox: a user sees their own notifications, nobody else's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.notify.models import Notification


def list_notifications(
    session: Session, *, user_id: str, unread: bool | None = None, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """The user's notifications, newest first, with the total matching count."""
    conditions = [Notification.user_id == user_id]
    if unread is True:
        conditions.append(Notification.read_at.is_(None))
    elif unread is False:
        conditions.append(Notification.read_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(Notification).where(*conditions))
    items = session.scalars(
        select(Notification)
        .where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(items), total or 0


def access_notification(session: Session, notification_id: str, *, user_id: str) -> Notification:
    """The user's own notification; another user's answers like a missing one."""
    found = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if found is None:
        raise NotFound(
            Message("no notification has id %(notification_id)s", notification_id=notification_id)
        )
    return found


def unread_count(session: Session, *, user_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )
