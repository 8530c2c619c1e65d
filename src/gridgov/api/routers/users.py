"""/api/v1/users: who I am, and password resets."""

from __future__ import annotations

from fastapi import APIRouter

from gridgov.accounts import actions, queries
from gridgov.accounts.schemas import PasswordResetOut, UserOut
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.security import CurrentUserDep
from gridgov.notify.realtime import ask_to_reconnect

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me(user: CurrentUserDep, session: SessionDep) -> UserOut:
    """The caller, with their current role assignments."""
    return UserOut.of(user, queries.current_role_assignments(session, user.id))


@router.post("/{user_id}/password-reset")
def reset_password(user_id: str, principal: PrincipalDep, session: SessionDep) -> PasswordResetOut:
    """An administrator, or the user's leader (every role of the user in the leader's
    subtree and below the leader's rank): give the user a random temporary password (shown
    once in this answer) and revoke their tokens; they must change it at their next login."""
    target = queries.access_user_to_manage(session, user_id, principal)
    temporary = actions.do_reset_password(session, target, actor=principal.actor)
    ask_to_reconnect(session, target.id)  # their events sockets close with their tokens
    return PasswordResetOut(
        user_id=target.id, username=target.username, temporary_password=temporary
    )
