"""Who is asking a page: the signed-in user, their session and their Principal.

The cookie session yields the same Principal as a bearer token does
(``accounts.principal.principal_for``), so a page is bound by exactly the API's access
rules.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.requests import Request

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts import web_sessions
from gridgov.accounts.models import User, WebSession
from gridgov.accounts.principal import principal_for
from gridgov.http.sessions import write_aside
from gridgov.storage.engine import is_writer
from gridgov.web.cookies import SESSION_COOKIE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageCaller:
    user: User
    web_session: WebSession
    principal: Principal
    secret: str  # the session cookie's value: the CSRF token derives from it

    @property
    def csrf_token(self) -> str:
        return web_sessions.csrf_token(self.secret)

    @property
    def actor(self) -> str:
        """How writes of this caller are recorded (as for a bearer token's user)."""
        return f"user:{self.user.username}"


def idle_limit(request: Request) -> dt.timedelta:
    return dt.timedelta(seconds=request.app.state.settings.web_session_idle_seconds)


def load_caller(request: Request, session: Session) -> PageCaller | None:
    """The caller of a request whose session cookie names a live session, else None.
    Remembered on ``request.state.page_caller`` (error pages use it)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    found = web_sessions.find_live_web_session(session, secret, idle=idle_limit(request))
    if found is None:
        return None
    row, user = found
    session.info["actor"] = f"user:{user.username}"
    _touch(request, session, row)
    caller = PageCaller(
        user=user, web_session=row, principal=principal_for(session, user), secret=secret
    )
    request.state.page_caller = caller
    return caller


def _touch(request: Request, session: Session, row: WebSession) -> None:
    """Record the session's last request when due: in a writing request's own transaction,
    else in a short writer transaction beside the read (bookkeeping: when the lock cannot
    be had in time, the page is still served)."""
    now = clock.now()
    if not web_sessions.touch_due(row, now):
        return
    if is_writer(session):
        row.last_seen_at = now
        return
    try:
        with write_aside(request) as aside:
            web_sessions.do_touch_web_session(aside, row, at=now)
    except OperationalError as exc:
        log.warning("web session %s: last request not recorded (%s)", row.id, exc.orig)
