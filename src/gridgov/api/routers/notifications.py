"""/api/v1/notifications: the caller's own in-app inbox.

No territory rule applies: every signed-in user reads and marks their own notifications
only; another user's notification answers 404, like a missing one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.schemas import Page
from gridgov.api.security import CurrentUserDep
from gridgov.http.language import api_language, asks_for_language
from gridgov.notify import actions, queries
from gridgov.notify.schemas import MarkedRead, NotificationOut

router = APIRouter(tags=["notifications"])


def reader_language(request: Request, response: Response, user: User) -> str:
    """The language notifications are shown in: the one ``Accept-Language`` asks for, else
    the reader's own (``users.language``, the pages' setting), named in Content-Language."""
    language = api_language(request) if asks_for_language(request) else user.language
    response.headers["Content-Language"] = language
    return language


@router.get("/notifications")
def list_notifications(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    user: CurrentUserDep,
    unread: bool | None = None,
) -> Page[NotificationOut]:
    """Newest first; ``unread=true`` for the unread ones only. Titles and bodies are in the
    language ``Accept-Language`` asks for, else in the reader's own (``users.language``)."""
    language = reader_language(request, response, user)
    rows, total = queries.list_notifications(
        session, user_id=user.id, unread=unread, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[NotificationOut.of(row, language) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/notifications/read-all")
def read_all(session: SessionDep, user: CurrentUserDep) -> MarkedRead:
    marked = actions.do_mark_all_read(session, user_id=user.id, now=clock.now())
    return MarkedRead(marked=marked, unread=queries.unread_count(session, user_id=user.id))


@router.post("/notifications/{notification_id}/read")
def read_one(
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUserDep,
    notification_id: str,
) -> NotificationOut:
    row = queries.access_notification(session, notification_id, user_id=user.id)
    actions.do_mark_read(session, row, now=clock.now())
    return NotificationOut.of(row, reader_language(request, response, user))
