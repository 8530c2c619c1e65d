"""Users made through the real account actions, and cheap password hashing for tests."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts import actions, passwords
from gridgov.accounts.models import User

ACTOR = "test:factory"
PASSWORD = "correct horse battery"


def use_cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """argon2id with tiny costs: the production parameters take ~0.3 s per hash."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    return cheap


def make_user(
    session: Session,
    *,
    username: str,
    password: str = PASSWORD,
    role: str | None = None,
    territory: str | None = None,
    phone: str | None = None,
    resident_id: str | None = None,
    start_date: dt.date | None = None,
) -> User:
    user = actions.check_create_user(
        session,
        username=username,
        password=password,
        phone=phone,
        resident_id=resident_id,
        actor=ACTOR,
    )
    if role is not None:
        actions.check_assign_role(
            session,
            user_id=user.id,
            role=role,
            territory_code=territory,
            start_date=start_date or clock.today(),
            actor=ACTOR,
        )
    return user
