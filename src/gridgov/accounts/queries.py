"""Reads of accounts: users by id, name or phone; role assignments; recent login attempts;
the users a leader may manage (``access_user_to_manage``)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import require
from gridgov.access.policy import rule
from gridgov.access.principal import Principal, Scope
from gridgov.access.roles import ROLES
from gridgov.accounts.models import LoginEvent, RoleAssignment, User
from gridgov.accounts.principal import principal_for
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.privacy import mask_phone
from gridgov.registry.validation import clean_mobile_phone
from gridgov.validation import FieldProblem

USERNAME_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{2,63}")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-()]{7,20}")
# ROLES is ordered from the widest authority (administrator) to the narrowest (resident).
RANK = {role: position for position, role in enumerate(ROLES)}


def clean_username(value: str) -> str:
    """Lower-case; 3-64 letters, digits, ``_ . -``; starts with a letter (never a phone)."""
    username = value.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationFailed.field(
            "username", Message("3 to 64 letters, digits, '_', '.' or '-', starting with a letter")
        )
    return username


def clean_phone(value: str, *, field: str = "phone") -> str:
    try:
        return clean_mobile_phone(value)
    except FieldProblem as exc:
        raise ValidationFailed.field(field, exc.why) from exc


def phone_hash(phone: str) -> str:
    from gridgov.crypto import keyed_hash

    return keyed_hash(clean_phone(phone))


def looks_like_phone(login: str) -> bool:
    return bool(_PHONE_LIKE.fullmatch(login.strip()))


def login_key(login: str) -> str:
    """What login_events keeps of the typed login: the username as typed (lower-cased), or
    for a phone its masked form plus a short keyed hash (never the number itself)."""
    typed = login.strip()
    if looks_like_phone(typed):
        try:
            normal = clean_mobile_phone(typed)
        except FieldProblem:
            return typed[:128]
        return f"phone:{mask_phone(normal)}:{phone_hash(normal)[:16]}"
    return typed.lower()[:128]


def user_by_login(session: Session, login: str) -> User | None:
    """The user a typed login names: a username, or a mainland mobile number."""
    typed = login.strip()
    if looks_like_phone(typed):
        try:
            wanted = phone_hash(typed)
        except ValidationFailed:
            return None
        return session.scalar(select(User).where(User.phone_hash == wanted))
    return session.scalar(select(User).where(User.username == typed.lower()))


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Message("no user has id %(user_id)s", user_id=user_id))
    return user


def find_user(session: Session, name_or_id: str) -> User:
    """A user by username (case-insensitive) or id: how the CLI names users."""
    user = session.scalar(
        select(User).where(or_(User.username == name_or_id.lower(), User.id == name_or_id))
    )
    if user is None:
        raise NotFound(Message("no user has username or id %(name_or_id)s", name_or_id=name_or_id))
    return user


def list_users(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[User], int]:
    total = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).order_by(User.username).limit(limit).offset(offset))
    return list(users), total


def current_role_assignments(
    session: Session, user_id: str, *, on: dt.date | None = None
) -> list[RoleAssignment]:
    """The user's assignments in force on ``on`` (today): started, and not ended."""
    return list(
        session.scalars(
            select(RoleAssignment)
            .where(RoleAssignment.user_id == user_id, *RoleAssignment.in_force(on or clock.today()))
            .order_by(RoleAssignment.role, RoleAssignment.territory_code)
        )
    )


def roles_by_user(session: Session, user_ids: list[str]) -> dict[str, list[RoleAssignment]]:
    """Current assignments of several users at once (for lists)."""
    found: dict[str, list[RoleAssignment]] = {user_id: [] for user_id in user_ids}
    rows = session.scalars(
        select(RoleAssignment)
        .where(RoleAssignment.user_id.in_(user_ids), *RoleAssignment.in_force(clock.today()))
        .order_by(RoleAssignment.role, RoleAssignment.territory_code)
    )
    for row in rows:
        found[row.user_id].append(row)
    return found


def is_administrator(session: Session, user_id: str) -> bool:
    return (
        session.scalar(
            select(RoleAssignment.id)
            .where(RoleAssignment.user_id == user_id, RoleAssignment.role == "administrator")
            .where(*RoleAssignment.in_force(clock.today()))
            .limit(1)
        )
        is not None
    )


def administrator_exists(session: Session) -> bool:
    return (
        session.scalar(
            select(RoleAssignment.id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == "administrator", User.is_active)
            .where(*RoleAssignment.in_force(clock.today()))
            .limit(1)
        )
        is not None
    )


def recent_attempts(
    session: Session, *, login: str, ip: str | None, since: dt.datetime
) -> tuple[int, int]:
    """(attempts with this login, attempts from this address) since ``since``."""
    by_login = session.scalar(
        select(func.count()).where(LoginEvent.login == login, LoginEvent.at > since)
    )
    by_ip = 0
    if ip is not None:
        by_ip = (
            session.scalar(select(func.count()).where(LoginEvent.ip == ip, LoginEvent.at > since))
            or 0
        )
    return by_login or 0, by_ip


def _failed_unknown_logins(login: str) -> tuple[ColumnElement[bool], ...]:
    return (
        LoginEvent.login == login,
        LoginEvent.user_id.is_(None),
        LoginEvent.reason == "bad_credentials",
    )


def failed_unknown_logins(session: Session, login: str) -> int:
    """How many failed logins were logged for ``login``, a name no user has."""
    return session.scalar(select(func.count()).where(*_failed_unknown_logins(login))) or 0


def failed_unknown_login_at(session: Session, login: str, *, later: int) -> dt.datetime | None:
    """When the failed login of the unknown name ``login`` happened that has ``later``
    failed logins after it (0: the latest)."""
    return session.scalar(
        select(LoginEvent.at)
        .where(*_failed_unknown_logins(login))
        .order_by(LoginEvent.at.desc(), LoginEvent.id.desc())
        .offset(later)
        .limit(1)
    )


def login_events(
    session: Session, *, user_id: str | None = None, login: str | None = None
) -> list[LoginEvent]:
    statement = select(LoginEvent).order_by(LoginEvent.at, LoginEvent.id)
    if user_id is not None:
        statement = statement.where(LoginEvent.user_id == user_id)
    if login is not None:
        statement = statement.where(LoginEvent.login == login)
    return list(session.scalars(statement))


# --- which users a leader may manage -----------------------------------------------------


def _covers(leader: Scope, target: Scope) -> bool:
    if rule(leader.role, "update", "user") is None:
        return False
    if leader.territory_code is None:  # an administrator of the whole platform
        return True
    if target.territory_code is None or not target.territory_code.startswith(leader.territory_code):
        return False
    return target.territory_code != leader.territory_code or RANK[target.role] > RANK[leader.role]


def access_user_to_manage(session: Session, user_id: str, principal: Principal) -> User:
    """A user the leader may manage (reset a password): one whose every role sits in the
    leader's subtree and below the leader's own rank, so nobody resets a peer's or a
    superior's password. Anyone else answers 404, exactly like a missing user."""
    require(principal, "update", "user")
    target = session.get(User, user_id)
    missing = NotFound(Message("no user has id %(user_id)s", user_id=user_id))
    if target is None or target.id == principal.user_id:
        raise missing
    target_scopes = principal_for(session, target).scopes
    if "administrator" in principal.roles:
        return target
    if not target_scopes or not all(
        any(_covers(mine, theirs) for mine in principal.scopes) for theirs in target_scopes
    ):
        raise missing
    return target
