"""Who hears of a case: the handlers of its level's node, and its followers.

A handler holds the level's role (cases.levels.HANDLER_ROLE) on exactly the handling node,
as accounts.principal counts roles: a current role assignment, or a current post carrying
that role (principal.POST_ROLES) held by a resident a user is linked to. At the district
level the administrators handle (an administrator's assignment covers the platform).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.principal import INACTIVE_RESIDENCE, POST_ROLES
from gridgov.cases.levels import HANDLER_ROLE
from gridgov.cases.models import Case, CaseFollower
from gridgov.posts.models import Post
from gridgov.registry.models import Resident


def _assigned(session: Session, role: str, handler_code: str) -> set[str]:
    today = clock.today()
    on_node = RoleAssignment.territory_code == handler_code
    if role == "administrator":
        on_node = or_(on_node, RoleAssignment.territory_code.is_(None))
    rows = session.scalars(
        select(RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == role,
            on_node,
            RoleAssignment.start_date <= today,
            or_(RoleAssignment.end_date.is_(None), RoleAssignment.end_date > today),
            User.is_active.is_(True),
        )
    )
    return set(rows)


def _by_post(session: Session, role: str, handler_code: str) -> set[str]:
    post_types = [kind for kind, carried in POST_ROLES.items() if carried == role]
    if not post_types:
        return set()
    rows = session.scalars(
        select(User.id)
        .join(Post, Post.resident_id == User.resident_id)
        .join(Resident, Resident.id == Post.resident_id)
        .where(
            Post.post_type.in_(post_types),
            Post.territory_code == handler_code,
            Post.end_date.is_(None),
            Resident.residence_status.not_in(INACTIVE_RESIDENCE),
            User.is_active.is_(True),
        )
    )
    return set(rows)


def handlers_of(session: Session, handler_code: str, level: str) -> list[str]:
    """User ids of those who handle cases at ``level`` on node ``handler_code``."""
    role = HANDLER_ROLE[level]
    return sorted(_assigned(session, role, handler_code) | _by_post(session, role, handler_code))


def followers_of(session: Session, case: Case) -> list[str]:
    """User ids of the reporter (with an account) and of every follower of the case."""
    followers = set(
        session.scalars(select(CaseFollower.user_id).where(CaseFollower.case_id == case.id))
    )
    if case.reporter_user_id is not None:
        followers.add(case.reporter_user_id)
    return sorted(followers)
