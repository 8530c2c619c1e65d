"""API shapes of the in-app inbox."""

from __future__ import annotations

from pydantic import BaseModel

from gridgov.notify.models import Notification
from gridgov.timestamps import LocalTimestamp


class NotificationOut(BaseModel):
    id: str
    kind: str
    case_id: str | None
    title: str
    body: str
    read: bool
    created_at: LocalTimestamp
    read_at: LocalTimestamp | None

    @classmethod
    def of(cls, row: Notification, language: str) -> NotificationOut:
        """The row as ``language``'s reader sees it."""
        return cls(
            id=row.id,
            kind=row.kind,
            case_id=row.case_id,
            title=row.title_in(language),
            body=row.body_in(language),
            read=row.read_at is not None,
            created_at=row.created_at,
            read_at=row.read_at,
        )


class MarkedRead(BaseModel):
    marked: int
    unread: int
