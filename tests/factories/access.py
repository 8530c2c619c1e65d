"""Users holding roles, and bearer tokens for them, through the real accounts actions."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts import tokens
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.accounts.models import User

ACTOR = "test:factory"
_serials = itertools.count(1)


def make_user(
    session: Session,
    *,
    role: str | None = None,
    territory_code: str | None = None,
    resident_id: str | None = None,
    username: str | None = None,
    start_date: dt.date | None = None,
) -> User:
    """A user (linked to ``resident_id`` if given), holding ``role`` on ``territory_code``."""
    user = check_create_user(
        session,
        username=username or f"user{next(_serials):04d}",
        password=secrets.token_urlsafe(18),
        resident_id=resident_id,
        actor=ACTOR,
    )
    if role is not None:
        check_assign_role(
            session,
            user_id=user.id,
            role=role,
            territory_code=territory_code,
            start_date=start_date or clock.today(),
            actor=ACTOR,
        )
    return user


def bearer(session: Session, user: User, *, ttl_seconds: int = 3600) -> dict[str, str]:
    """An Authorization header with a fresh token of ``user``."""
    token, _row = tokens.issue_token(session, user, ttl_seconds=ttl_seconds)
    return {"Authorization": f"Bearer {token}"}
