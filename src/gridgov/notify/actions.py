"""Marking inbox notifications read (the only change a user makes to their inbox)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from gridgov.notify.models import Notification


def do_mark_read(session: Session, notification: Notification, *, now: dt.datetime) -> None:
    """Read now (a notification read before keeps its first read time)."""
    if notification.read_at is None:
        notification.read_at = now
        session.flush()


def do_mark_all_read(session: Session, *, user_id: str, now: dt.datetime) -> int:
    """Every unread notification of the user; returns how many were marked."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session="fetch")
    )
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    return int(result.rowcount or 0)
