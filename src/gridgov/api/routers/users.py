"""/api/v1/users: who I am, my delivery preferences, and password resets."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridgov.accounts import actions, queries
from gridgov.accounts.models import User
from gridgov.accounts.schemas import PasswordResetOut, UserOut
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.security import ActorDep, CurrentUserDep
from gridgov.notify.bridges.preferences import EMAIL_MAX, check_set_delivery_preferences
from gridgov.notify.realtime import ask_to_reconnect
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me(user: CurrentUserDep, session: SessionDep) -> UserOut:
    """The caller, with their current role assignments."""
    return UserOut.of(user, queries.current_role_assignments(session, user.id))


class PreferencesOut(BaseModel):
    email: str | None = Field(description="the caller's own address, in full")
    digest_rhythm: Literal["off", "daily", "weekly"]
    sms_enabled: bool = Field(description="urgent notices may come by SMS")
    next_digest_at: LocalTimestamp | None

    @classmethod
    def of(cls, user: User) -> PreferencesOut:
        return cls(
            email=user.email,
            digest_rhythm=user.digest_rhythm,
            sms_enabled=user.sms_enabled,
            next_digest_at=user.digest_due_at,
        )


class PreferencesUpdate(Input):
    email: str | None = Field(default=None, max_length=EMAIL_MAX + 64)
    digest_rhythm: Literal["off", "daily", "weekly"] | None = None
    sms_enabled: bool | None = None


@router.get("/me/preferences")
def my_preferences(user: CurrentUserDep) -> PreferencesOut:
    """How the caller hears of things outside the platform: an e-mail digest (off, daily,
    weekly) to their address, and SMS for urgent notices."""
    return PreferencesOut.of(user)


@router.patch("/me/preferences")
def set_my_preferences(
    body: PreferencesUpdate, user: CurrentUserDep, session: SessionDep, actor: ActorDep
) -> PreferencesOut:
    """Change the fields sent (``"email": null`` removes the address). A digest needs an
    address; choosing a rhythm starts it: the first digest gathers what comes from now."""
    sent = body.model_dump(exclude_unset=True)
    check_set_delivery_preferences(session, user, **sent, actor=actor)
    return PreferencesOut.of(user)


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
