"""Writes of accounts: users, passwords, role assignments, token revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.roles import ROLES, level_problem
from gridgov.accounts import login, passwords, queries, tokens, web_sessions
from gridgov.accounts.events import publish_account_linked
from gridgov.accounts.models import TEXT_SIZES, RoleAssignment, User
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import LANGUAGES, Message
from gridgov.posts.events import PostEvent, publish_post_event
from gridgov.registry.models import Resident
from gridgov.territory.models import Territory
from gridgov.validation import refuse_bad_texts

CHUNK = 900  # codes per IN list (well under SQLite's bound-parameter limit)


def check_create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str = "",
    phone: str | None = None,
    resident_id: str | None = None,
    must_change_password: bool = False,
    actor: str,
) -> User:
    """A new user; the password must pass the policy. Username and phone are unique."""
    refuse_bad_texts({"username": username, "display_name": display_name})
    username = queries.clean_username(username)
    phone = queries.clean_phone(phone) if phone else None
    passwords.check_password_policy(password, username=username, phone=phone)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(
            Message("the username %(username)s is taken", username=username),
            fields={"username": Message("taken")},
        )
    phone_hash = queries.phone_hash(phone) if phone else None
    if phone_hash and session.scalar(select(User.id).where(User.phone_hash == phone_hash)):
        raise Conflict(
            Message("another user logs in with this phone"), fields={"phone": Message("taken")}
        )
    if resident_id is not None:
        _check_resident(session, resident_id)
    user = User(
        username=username,
        phone_hash=phone_hash,
        display_name=display_name.strip() or username,
        resident_id=resident_id,
        password_hash=passwords.hash_password(password),
        must_change_password=must_change_password,
        created_by=actor,
    )
    session.add(user)
    session.flush()
    if resident_id is not None:
        publish_account_linked(session, user.id, actor=actor)
    return user


def _check_resident(session: Session, resident_id: str) -> None:
    if session.get(Resident, resident_id) is None:
        raise ValidationFailed.field(
            "resident_id", Message("no resident has id %(resident_id)s", resident_id=resident_id)
        )
    if session.scalar(select(User.id).where(User.resident_id == resident_id)) is not None:
        raise Conflict(
            Message("this resident already has a user"),
            fields={"resident_id": Message("already linked")},
        )


def check_create_admin(
    session: Session,
    *,
    username: str,
    password: str,
    force: bool = False,
    territory_code: str | None = None,
    actor: str,
) -> User:
    """Bootstrap an administrator (of the whole platform unless ``territory_code``).
    Refused when an active administrator exists, unless ``force``."""
    if not force and queries.administrator_exists(session):
        raise Conflict(Message("an administrator already exists (use --force to add another)"))
    user = check_create_user(session, username=username, password=password, actor=actor)
    check_assign_role(
        session,
        user_id=user.id,
        role="administrator",
        territory_code=territory_code,
        start_date=clock.today(),
        actor=actor,
    )
    return user


def check_assign_role(
    session: Session,
    *,
    user_id: str,
    role: str,
    territory_code: str | None,
    start_date: dt.date,
    actor: str,
) -> RoleAssignment:
    """Give a user a role on a node; the role's level must fit the node's."""
    if role not in ROLES:
        raise ValidationFailed.field(
            "role", Message("must be one of %(ROLES)s", ROLES=", ".join(ROLES))
        )
    queries.get_user(session, user_id)
    if territory_code is None:
        if role != "administrator":
            raise ValidationFailed.field(
                "territory_code", Message("a %(role)s needs a territory", role=role)
            )
    else:
        _check_node(session, role, territory_code)
    if _current_same(session, user_id, role, territory_code) is not None:
        raise Conflict(
            Message(
                "the user already is %(role)s of %(territory_code)s",
                role=role,
                territory_code=territory_code or "the platform",
            ),
            fields={"role": Message("already assigned")},
        )
    assignment = RoleAssignment(
        user_id=user_id,
        role=role,
        territory_code=territory_code,
        start_date=start_date,
        created_by=actor,
    )
    session.add(assignment)
    session.flush()
    _publish_role(session, assignment, "started", actor)
    return assignment


def _publish_role(session: Session, assignment: RoleAssignment, kind: str, actor: str) -> None:
    """A role held on a node is leadership, as a post is: published as a post event."""
    publish_post_event(
        session,
        PostEvent(
            kind=kind,
            post_type=assignment.role,
            territory_code=assignment.territory_code,
            actor=actor,
            user_id=assignment.user_id,
        ),
    )


def _check_node(session: Session, role: str, territory_code: str) -> None:
    node = session.scalar(select(Territory).where(Territory.code == territory_code))
    if node is None:
        raise ValidationFailed.field(
            "territory_code",
            Message("no territory has code %(territory_code)s", territory_code=territory_code),
        )
    if node.status != "active":
        raise ValidationFailed.field(
            "territory_code",
            Message("%(territory_code)s is retired", territory_code=territory_code),
        )
    problem = level_problem(role, node.level)
    if problem is not None:
        raise ValidationFailed.field("territory_code", problem)


def _current_same(
    session: Session, user_id: str, role: str, territory_code: str | None
) -> RoleAssignment | None:
    code_matches = (
        RoleAssignment.territory_code.is_(None)
        if territory_code is None
        else RoleAssignment.territory_code == territory_code
    )
    return session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.role == role,
            code_matches,
            RoleAssignment.end_date.is_(None),
        )
    )


def check_end_role(
    session: Session, *, assignment_id: str, end_date: dt.date, actor: str
) -> RoleAssignment:
    """End an assignment on ``end_date`` (it stays in the history)."""
    assignment = session.get(RoleAssignment, assignment_id)
    if assignment is None:
        raise NotFound(
            Message("no role assignment has id %(assignment_id)s", assignment_id=assignment_id)
        )
    if assignment.end_date is not None:
        raise Conflict(
            Message(
                "the assignment already ended on %(end_date)s",
                end_date=assignment.end_date.isoformat(),
            )
        )
    if end_date < assignment.start_date:
        raise ValidationFailed.field("end_date", Message("cannot be before the start date"))
    assignment.end_date = end_date
    session.flush()
    _publish_role(session, assignment, "ended", actor)
    return assignment


def do_end_roles_on_nodes(
    session: Session, codes: Sequence[str], *, end_date: dt.date, actor: str
) -> list[dict[str, Any]]:
    """End every assignment on these nodes still running on ``end_date`` (one that starts
    later ends on its start date): their nodes are being dissolved. Answers what ended,
    for reassignment."""
    ended = []
    ended_rows: list[RoleAssignment] = []
    for start in range(0, len(codes), CHUNK):
        query = select(RoleAssignment).where(
            RoleAssignment.territory_code.in_(codes[start : start + CHUNK]),
            or_(RoleAssignment.end_date.is_(None), RoleAssignment.end_date > end_date),
        )
        for assignment in session.scalars(query):
            assignment.end_date = max(end_date, assignment.start_date)
            ended.append(
                {
                    "assignment_id": assignment.id,
                    "user_id": assignment.user_id,
                    "role": assignment.role,
                    "territory_code": assignment.territory_code,
                }
            )
            ended_rows.append(assignment)
    session.flush()
    for assignment in ended_rows:
        _publish_role(session, assignment, "ended", actor)
    return ended


def check_change_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    keep_token_id: str | None = None,
    keep_web_session_id: str | None = None,
    ip: str | None = None,
) -> None:
    """The user changes their own password; their other tokens and page sessions end. A
    wrong current password counts toward the lockout (login.check_current_password): a
    caller that must keep that count (the API) checks it first and commits before
    answering."""
    error = login.check_current_password(session, user, current_password, ip=ip)
    if error is not None:
        raise error
    check_new_password(
        session,
        user,
        current_password=current_password,
        new_password=new_password,
        keep_token_id=keep_token_id,
        keep_web_session_id=keep_web_session_id,
    )


def check_new_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    keep_token_id: str | None = None,
    keep_web_session_id: str | None = None,
) -> None:
    """Set the new password of a user whose current one was checked: it must differ from
    it and pass the policy; the user's other tokens are revoked and their other page
    sessions ended (the caller's own token or session is kept)."""
    if new_password == current_password:
        raise ValidationFailed.field(
            "new_password", Message("must differ from the current password")
        )
    passwords.check_password_policy(new_password, username=user.username, field="new_password")
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    tokens.revoke_user_tokens(session, user.id, keep_id=keep_token_id)
    web_sessions.do_end_user_web_sessions(
        session, user.id, reason="password_changed", keep_id=keep_web_session_id
    )
    session.flush()


def do_reset_password(session: Session, user: User, *, actor: str) -> str:
    """A random temporary password, returned once; it must be changed at the next login.
    Every token of the user is revoked and a lockout lifted."""
    temporary = passwords.temporary_password()
    user.password_hash = passwords.hash_password(temporary)
    user.must_change_password = True
    user.failed_login_count = 0
    user.locked_until = None
    tokens.revoke_user_tokens(session, user.id)
    web_sessions.do_end_user_web_sessions(session, user.id, reason="password_reset")
    session.flush()
    return temporary


def do_revoke_tokens(session: Session, user: User, *, actor: str) -> int:
    """Revoke every live token of ``user``; how many there were."""
    revoked = tokens.revoke_user_tokens(session, user.id)
    session.flush()
    return revoked


def check_set_preferences(
    session: Session,
    user: User,
    *,
    language: str | None = None,
    text_size: str | None = None,
    actor: str,
) -> User:
    """Set the pages' language and/or text size of ``user`` (None leaves one as it is)."""
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed.field(
            "language", Message("must be one of %(LANGUAGES)s", LANGUAGES=", ".join(LANGUAGES))
        )
    if text_size is not None and text_size not in TEXT_SIZES:
        raise ValidationFailed.field(
            "text_size", Message("must be one of %(TEXT_SIZES)s", TEXT_SIZES=", ".join(TEXT_SIZES))
        )
    if language is not None:
        user.language = language
    if text_size is not None:
        user.text_size = text_size
    session.flush()
    return user
