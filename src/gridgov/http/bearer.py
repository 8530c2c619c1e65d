"""Bearer-token authentication: who is calling, as a dependency.

``CurrentUserDep`` is what routes use: a valid token of an active user whose password need
not be changed first. A user with ``must_change_password`` may only change it (and log out),
through ``AuthenticatedDep``; anything else answers 403 ``password_change_required``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts import tokens
from gridgov.accounts.errors import NotAuthenticated, PasswordChangeRequired
from gridgov.accounts.models import ApiToken, User
from gridgov.http.sessions import SessionDep, write_aside
from gridgov.i18n import Message
from gridgov.storage.engine import is_writer

TOKEN_URL = "/api/v1/auth/token"

# auto_error=False: we answer 401 in the platform's own error shape.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Authenticated:
    user: User
    token: ApiToken


def authenticated_token(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Authenticated:
    """The caller's token and user, whatever the state of their password."""
    if not token:
        raise NotAuthenticated(Message("a bearer token is required: POST /api/v1/auth/token"))
    found = tokens.find_valid_token(session, token)
    if found is None:
        raise NotAuthenticated(Message("the token is unknown, expired or revoked: log in again"))
    row, user = found
    # Every write of this request is audited under the token's user.
    session.info["actor"] = f"user:{user.username}"
    _touch(request, session, row)
    return Authenticated(user=user, token=row)


def _touch(request: Request, session: Session, row: ApiToken) -> None:
    """Record the token's last use when due: inside a writing request's own transaction, else
    in a short writer transaction beside the read (a read transaction that writes fails at
    once on SQLite while another connection holds the write lock). The last use is
    bookkeeping: when even the writer cannot get the lock in time, the read is still served
    and the next request tries again."""
    now = clock.now()
    if not tokens.touch_due(row, now):
        return
    if is_writer(session):
        tokens.touch(row)
        return
    try:
        with write_aside(request) as aside:
            tokens.do_touch(aside, row, at=now)
    except OperationalError as exc:
        log.warning("token %s: last use not recorded (%s)", row.id, exc.orig)


AuthenticatedDep = Annotated[Authenticated, Depends(authenticated_token)]


def authenticated_user(auth: AuthenticatedDep) -> User:
    """The caller; 403 ``password_change_required`` until a reset password is changed."""
    if auth.user.must_change_password:
        raise PasswordChangeRequired(
            "the password was reset: change it first (POST /api/v1/auth/password)"
        )
    return auth.user


CurrentUserDep = Annotated[User, Depends(authenticated_user)]


def actor_of(user: CurrentUserDep) -> str:
    """Who is acting, as writes record it: ``user:<username>`` of the token's user."""
    return f"user:{user.username}"


ActorDep = Annotated[str, Depends(actor_of)]
