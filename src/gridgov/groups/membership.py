"""Who belongs in a group, and keeping the members so as the registry and the posts change.

Wanted members of a group on node C of village V:
- residents (village, grid and unit groups): users linked to a current resident of an
  active household on C or under it;
- leaders: users leading a node of V (a village secretary or director, a grid leader or
  member, a unit leader: by post, or by a role assignment held on the node) whose node is
  C, under C, or above C within V. The leaders' group holds every leader of V, and the
  members other capabilities add to it (party members: gridgov.contacts registers them with
  :func:`add_leaders_group_source`, installed in database/hooks.py).

Nothing polls: :func:`resync_group` is called by the subscribers at the end of this module,
which :mod:`gridgov.database.hooks` installs on the registry's life events, the posts' start
and end (and role assignments), and accounts linked to a resident. Members who came by an
invitation stay until removed; a member a leader removed is not brought back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.principal import POST_ROLES
from gridgov.groups.events import members_changed
from gridgov.groups.models import Group, GroupMember
from gridgov.posts.events import PostEvent
from gridgov.posts.models import Post
from gridgov.registry.events import LifeEvent
from gridgov.registry.models import Household, Resident
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.scope import within

LEADER_ROLES = ("village_secretary", "grid_leader", "unit_leader")
VILLAGE_LENGTH = CODE_LENGTH["village"]
AUTO_SOURCES = ("household", "leader", "party")

# (session, village code) -> user ids who belong in the village's leaders' group besides its
# leaders (a lower layer's view of a higher one's members: a hook, not an import).
LeadersGroupSource = Callable[[Session, str], Iterable[str]]
_leaders_group_sources: list[LeadersGroupSource] = []


def add_leaders_group_source(source: LeadersGroupSource) -> None:
    """Add members to every village's leaders' group (adding twice adds once)."""
    if source not in _leaders_group_sources:
        _leaders_group_sources.append(source)


@dataclass(frozen=True)
class Resync:
    joined: tuple[str, ...]
    left: tuple[str, ...]


def village_of(code: str | None) -> str | None:
    """The village a code is in (None above the village level)."""
    if code is None or len(code) < VILLAGE_LENGTH:
        return None
    return code[:VILLAGE_LENGTH]


def leaders_of_village(session: Session, village_code: str) -> set[tuple[str, str]]:
    """(user id, node code) of every leader of a node in the village, by post or by role."""
    leader_posts = [kind for kind, role in POST_ROLES.items() if role in LEADER_ROLES]
    by_post = session.execute(
        select(User.id, Post.territory_code)
        .join(Resident, Resident.id == Post.resident_id)
        .join(User, User.resident_id == Resident.id)
        .where(
            Post.end_date.is_(None),
            Post.post_type.in_(leader_posts),
            within(Post.territory_code, village_code),
            User.is_active.is_(True),
        )
    )
    by_role = session.execute(
        select(RoleAssignment.user_id, RoleAssignment.territory_code)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            *RoleAssignment.in_force(clock.today()),
            RoleAssignment.role.in_(LEADER_ROLES),
            within(RoleAssignment.territory_code, village_code),
            User.is_active.is_(True),
        )
    )
    return {(user_id, code) for user_id, code in [*by_post, *by_role] if code is not None}


def household_users(session: Session, code: str) -> set[str]:
    """Users linked to a current resident of an active household on ``code`` or under it."""
    rows = session.scalars(
        select(User.id)
        .join(Resident, Resident.id == User.resident_id)
        .join(Household, Household.id == Resident.household_id)
        .where(
            within(Household.territory_code, code),
            Household.status == "active",
            Resident.residence_status.not_in(("moved_out", "deceased")),
            User.is_active.is_(True),
        )
    )
    return set(rows)


def wanted_members(session: Session, group: Group) -> dict[str, str]:
    """user id -> why they belong (``household`` or ``leader``)."""
    code = group.territory_code
    wanted: dict[str, str] = {}
    if group.kind != "leaders":
        wanted = dict.fromkeys(household_users(session, code), "household")
    for user_id, node in leaders_of_village(session, group.village_code):
        if group.kind == "leaders" or node.startswith(code) or code.startswith(node):
            wanted[user_id] = "leader"
    if group.kind == "leaders":
        for source in _leaders_group_sources:
            for user_id in source(session, group.village_code):
                wanted.setdefault(user_id, "party")
    return wanted


def resync_group(session: Session, group: Group, *, reason: str) -> Resync:
    """Make the members who follow the registry and the posts those wanted now. An
    archived group's members stay as they were (its history is theirs to read)."""
    session.flush()
    if group.status != "active":
        return Resync((), ())
    wanted = wanted_members(session, group)
    rows = {
        row.user_id: row
        for row in session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    }
    now = clock.now()
    joined, left = [], []
    for user_id, row in rows.items():
        if row.removed:
            continue
        if user_id in wanted:
            if row.left_at is not None:
                row.left_at, row.left_reason = None, None
                joined.append(user_id)
            if row.source in AUTO_SOURCES:
                row.source = wanted[user_id]
        elif row.source in AUTO_SOURCES and row.left_at is None:
            row.left_at, row.left_reason = now, reason[:120]
            left.append(user_id)
    for user_id in sorted(set(wanted) - set(rows)):
        session.add(GroupMember(group_id=group.id, user_id=user_id, source=wanted[user_id]))
        joined.append(user_id)
    session.flush()
    members_changed(session, [*joined, *left])
    return Resync(tuple(joined), tuple(left))


def resync_leaders_group(session: Session, village_code: str, *, reason: str) -> Resync | None:
    """Bring the village's leaders' group up to date (None: the village has none)."""
    group = session.scalar(
        select(Group).where(
            Group.kind == "leaders", Group.village_code == village_code, Group.status == "active"
        )
    )
    return resync_group(session, group, reason=reason) if group is not None else None


def groups_along(session: Session, code: str) -> list[Group]:
    """Active groups on ``code`` and its ancestors within the village, and the village's
    leaders' group."""
    village = village_of(code)
    if village is None:
        return []
    lengths = sorted(set(CODE_LENGTH.values()))
    codes = [code[:length] for length in lengths if VILLAGE_LENGTH <= length <= len(code)]
    return list(
        session.scalars(
            select(Group).where(Group.territory_code.in_(codes), Group.status == "active")
        )
    )


def groups_of_village(session: Session, village_code: str) -> list[Group]:
    return list(
        session.scalars(
            select(Group).where(Group.village_code == village_code, Group.status == "active")
        )
    )


def groups_of_users(session: Session, user_ids: Iterable[str]) -> list[Group]:
    ids = list(user_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                GroupMember.user_id.in_(ids),
                GroupMember.left_at.is_(None),
                GroupMember.source.in_(AUTO_SOURCES),
            )
            .distinct()
        )
    )


def _resync_all(session: Session, groups: Iterable[Group], reason: str) -> dict[str, list[str]]:
    seen: dict[str, Group] = {group.id: group for group in groups}
    joined: list[str] = []
    left: list[str] = []
    for group in sorted(seen.values(), key=lambda g: g.id):
        change = resync_group(session, group, reason=reason)
        joined += [f"{group.id}:{user}" for user in change.joined]
        left += [f"{group.id}:{user}" for user in change.left]
    return {"groups_joined": joined, "groups_left": left} if joined or left else {}


def _users_of_event(session: Session, event: LifeEvent) -> list[str]:
    if event.resident_id is not None:
        condition = User.resident_id == event.resident_id
    elif event.household_id is not None:
        members = select(Resident.id).where(Resident.household_id == event.household_id)
        condition = User.resident_id.in_(members)
    else:
        return []
    return list(session.scalars(select(User.id).where(condition)))


def follow_life_event(session: Session, event: LifeEvent) -> dict[str, list[str]]:
    """Subscribed to every life event: a resident who moved out or died leaves, one who
    moved in (or a household moved to another unit) joins the groups of their new place."""
    users = _users_of_event(session, event)
    if not users:
        return {}
    groups = [*groups_along(session, event.territory_code), *groups_of_users(session, users)]
    return _resync_all(session, groups, f"registry: {event.kind}")


def follow_post_event(session: Session, event: PostEvent) -> None:
    """Subscribed to the posts' start and end: the village's groups follow its leaders."""
    village = village_of(event.territory_code)
    if village is not None:
        _resync_all(session, groups_of_village(session, village), f"post {event.kind}")


def follow_account_linked(session: Session, user_id: str, actor: str) -> None:
    """A new account linked to a resident joins the groups of their household's place."""
    user = session.get(User, user_id)
    resident = session.get(Resident, user.resident_id) if user and user.resident_id else None
    if resident is not None:
        _resync_all(session, groups_along(session, resident.territory_code), "account linked")
