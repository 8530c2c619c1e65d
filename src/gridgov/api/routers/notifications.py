"""/api/v1/notifications: the caller's own in-app inbox.

No territory rule applies: every signed-in user reads and marks their own notifications
only; another user's notification answers 404, like a missing one."""

from __future__ import annotations

from fastapi import APIRouter

from gridgov import clock
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.schemas import Page
from gridgov.api.security import CurrentUserDep
from gridgov.notify import actions, queries
from gridgov.notify.schemas import MarkedRead, NotificationOut

router = APIRouter(tags=["notifications"])


@router.get("/notifications")
def list_notifications(
    session: SessionDep, paging: PagingDep, user: CurrentUserDep, unread: bool | None = None
) -> Page[NotificationOut]:
    """Newest first; ``unread=true`` for the unread ones only."""
    rows, total = queries.list_notifications(
        session, user_id=user.id, unread=unread, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[NotificationOut.of(row) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/notifications/read-all")
def read_all(session: SessionDep, user: CurrentUserDep) -> MarkedRead:
    marked = actions.do_mark_all_read(session, user_id=user.id, now=clock.now())
    return MarkedRead(marked=marked, unread=queries.unread_count(session, user_id=user.id))


@router.post("/notifications/{notification_id}/read")
def read_one(session: SessionDep, user: CurrentUserDep, notification_id: str) -> NotificationOut:
    row = queries.access_notification(session, notification_id, user_id=user.id)
    actions.do_mark_read(session, row, now=clock.now())
    return NotificationOut.of(row)
