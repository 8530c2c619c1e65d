"""Who hears of a case: the handlers of its level's node, and its followers.

A handler holds the level's role (cases.levels.HANDLER_ROLE) on exactly the handling node,
as accounts.principal counts roles: a current role assignment, or a current post carrying
that role (principal.POST_ROLES) held by a resident a user is linked to. At the district
level the administrators handle (an administrator's assignment covers the platform).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.principal import INACTIVE_RESIDENCE, POST_ROLES
from gridgov.cases.levels import HANDLER_ROLE
from gridgov.cases.models import Case, CaseFollower
from gridgov.posts.models import Post
from gridgov.registry.models import Resident


def handlers_of_nodes(session: Session, codes: list[str], level: str) -> dict[str, list[str]]:
    """The handlers of many nodes of one level at once (the sweep asks for hundreds), as
    ``{code: sorted user ids}``: two queries, whatever the number of nodes."""
    role = HANDLER_ROLE[level]
    users: dict[str, set[str]] = {code: set() for code in codes}
    today = clock.today()
    on_node: ColumnElement[bool] = RoleAssignment.territory_code.in_(codes)
    if role == "administrator":
        on_node = or_(on_node, RoleAssignment.territory_code.is_(None))
    assigned = session.execute(
        select(RoleAssignment.territory_code, RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == role,
            on_node,
            RoleAssignment.start_date <= today,
            or_(RoleAssignment.end_date.is_(None), RoleAssignment.end_date > today),
            User.is_active.is_(True),
        )
    )
    for code, user_id in assigned:
        for node in codes if code is None else [code]:  # None: an administrator's everywhere
            users[node].add(user_id)
    post_types = [kind for kind, carried in POST_ROLES.items() if carried == role]
    if post_types:
        holders = session.execute(
            select(Post.territory_code, User.id)
            .join(Post, Post.resident_id == User.resident_id)
            .join(Resident, Resident.id == Post.resident_id)
            .where(
                Post.post_type.in_(post_types),
                Post.territory_code.in_(codes),
                Post.end_date.is_(None),
                Resident.residence_status.not_in(INACTIVE_RESIDENCE),
                User.is_active.is_(True),
            )
        )
        for code, user_id in holders:
            users[code].add(user_id)
    return {code: sorted(found) for code, found in users.items()}


def handlers_of(session: Session, handler_code: str, level: str) -> list[str]:
    """User ids of those who handle cases at ``level`` on node ``handler_code``."""
    return handlers_of_nodes(session, [handler_code], level)[handler_code]


def followers_of(session: Session, case: Case) -> list[str]:
    """User ids of the reporter (with an account) and of every follower of the case."""
    followers = set(
        session.scalars(select(CaseFollower.user_id).where(CaseFollower.case_id == case.id))
    )
    if case.reporter_user_id is not None:
        followers.add(case.reporter_user_id)
    return sorted(followers)
