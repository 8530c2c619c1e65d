"""Who is on the events socket: the pages' session cookie or an API token sent in the first
frame (never in the URL). Synchronous (database reads): the socket calls it in a thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from gridgov.accounts import tokens, web_sessions
from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.notify.realtime import streams_for
from gridgov.notify.realtime.log import log_bounds

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
BAD_MESSAGE = 4400
TOO_FAR_BEHIND = 4408
RECONNECT_CODE = 4000


class Refused(Exception):
    """Close the socket with this code and reason (docs/events.md, "Closing")."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class SocketCaller:
    user_id: str
    streams: frozenset[str]
    position: int  # the newest position of the log when authenticated
    pruned_upto: int


def same_origin(origin: str | None, host: str | None) -> bool:
    """A browser's Origin header names this server's host (no Origin: not a browser)."""
    if origin is None:
        return True
    return bool(host) and urlsplit(origin).netloc.lower() == (host or "").lower()


def caller_by_cookie(
    session_maker: sessionmaker[Session], secret: str, *, idle: dt.timedelta
) -> SocketCaller | None:
    with session_maker() as session:
        found = web_sessions.find_live_web_session(session, secret, idle=idle)
        return None if found is None else _caller(session, found[1])


def caller_by_token(session_maker: sessionmaker[Session], token: str) -> SocketCaller:
    with session_maker() as session:
        found = tokens.find_valid_token(session, token)
        if found is None:
            raise Refused(UNAUTHENTICATED, "the token is unknown, expired or revoked")
        return _caller(session, found[1])


def _caller(session: Session, user: User) -> SocketCaller:
    if user.must_change_password:
        raise Refused(FORBIDDEN, "password change required")
    streams = streams_for(session, principal_for(session, user))
    position, pruned = log_bounds(session)
    return SocketCaller(user.id, streams, position, pruned)
