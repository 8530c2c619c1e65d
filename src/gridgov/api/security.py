"""Bearer-token authentication: who is calling, as a dependency.

``CurrentUserDep`` is what routes use: a valid token of an active user whose password need
not be changed first. A user with ``must_change_password`` may only change it (and log out),
through ``AuthenticatedDep``; anything else answers 403 ``password_change_required``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from gridgov.accounts import tokens
from gridgov.accounts.errors import NotAuthenticated, PasswordChangeRequired
from gridgov.accounts.models import ApiToken, User
from gridgov.api.deps import SessionDep

TOKEN_URL = "/api/v1/auth/token"

# auto_error=False: we answer 401 in the platform's own error shape.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@dataclass(frozen=True)
class Authenticated:
    user: User
    token: ApiToken


def authenticated_token(
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Authenticated:
    """The caller's token and user, whatever the state of their password."""
    if not token:
        raise NotAuthenticated("a bearer token is required: POST /api/v1/auth/token")
    found = tokens.find_valid_token(session, token)
    if found is None:
        raise NotAuthenticated("the token is unknown, expired or revoked: log in again")
    row, user = found
    # Every write of this request is audited under the token's user.
    session.info["actor"] = f"user:{user.username}"
    tokens.touch(row)
    return Authenticated(user=user, token=row)


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
