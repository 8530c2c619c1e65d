"""/api/v1/users: who I am, and password resets."""

from __future__ import annotations

from fastapi import APIRouter

from gridgov.accounts import actions, queries
from gridgov.accounts.schemas import PasswordResetOut, UserOut
from gridgov.api.deps import SessionDep
from gridgov.api.security import CurrentUserDep
from gridgov.errors import PermissionDenied

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me(user: CurrentUserDep, session: SessionDep) -> UserOut:
    """The caller, with their current role assignments."""
    return UserOut.of(user, queries.current_role_assignments(session, user.id))


@router.post("/{user_id}/password-reset")
def reset_password(user_id: str, user: CurrentUserDep, session: SessionDep) -> PasswordResetOut:
    """Administrators: give the user a random temporary password (shown once in this
    answer), revoke their tokens; they must change it at their next login."""
    if not queries.is_administrator(session, user.id):
        raise PermissionDenied("only an administrator may reset passwords")
    target = queries.get_user(session, user_id)
    temporary = actions.do_reset_password(session, target, actor=f"user:{user.username}")
    return PasswordResetOut(
        user_id=target.id, username=target.username, temporary_password=temporary
    )
