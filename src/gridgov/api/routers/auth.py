"""/api/v1/auth: bearer tokens (the OAuth2 password flow), logout, changing one's password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from gridgov.accounts import actions, tokens
from gridgov.accounts.login import attempt_login, check_current_password
from gridgov.accounts.schemas import PasswordChange, TokenOut
from gridgov.api.deps import SessionDep
from gridgov.api.errors import error_response
from gridgov.api.security import AuthenticatedDep
from gridgov.errors import DomainError
from gridgov.notify.realtime import ask_to_reconnect

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenOut,
    responses={
        401: {"description": "wrong login or password (the same answer for both)"},
        423: {"description": "locked after repeated failures"},
        429: {"description": "too many attempts for this login or address"},
    },
)
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
) -> TokenOut | JSONResponse:
    """Log in with a username or a mainland mobile number (the ``username`` field) and a
    password; answers a bearer token. Every attempt, refused or not, is logged."""
    session.info["actor"] = "system:login"  # failure counts, lockouts, the token row
    result = attempt_login(
        session,
        login=form.username,
        password=form.password,
        ip=_client_ip(request),
        attempts_per_ip=request.app.state.settings.login_attempts_per_ip,
        attempts_per_login=request.app.state.settings.login_attempts_per_login,
    )
    if result.error is not None:
        return _answer(result.error)
    assert result.user is not None
    ttl = request.app.state.settings.token_ttl_seconds
    token, _row = tokens.issue_token(session, result.user, ttl_seconds=ttl)
    return TokenOut(access_token=token, expires_in=ttl)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(auth: AuthenticatedDep, session: SessionDep) -> Response:
    """Revoke the token this request presents."""
    tokens.revoke_token(session, auth.token)
    ask_to_reconnect(session, auth.user.id)  # a socket signed in by that token closes
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        423: {"description": "locked after repeated failed logins or wrong current passwords"}
    },
)
def change_password(
    body: PasswordChange, auth: AuthenticatedDep, request: Request, session: SessionDep
) -> Response:
    """Change one's own password (the only call allowed after a reset). The caller's other
    tokens are revoked; this one stays valid. A wrong current password counts toward the
    same lockout as a failed login."""
    error = check_current_password(
        session, auth.user, body.current_password, ip=_client_ip(request)
    )
    if error is not None:
        return _answer(error)
    actions.check_new_password(
        session,
        auth.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_token_id=auth.token.id,
    )
    ask_to_reconnect(session, auth.user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _answer(error: DomainError) -> JSONResponse:
    """A refused login or password check, answered rather than raised: the request's
    transaction commits the failure's traces (the event row, the count, the lockout)."""
    response = error_response(error.status, error.code, error.message, error.fields)
    response.headers.update(getattr(error, "headers", None) or {})
    return response
