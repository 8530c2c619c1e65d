"""Reads of groups: permission-checked access, the caller's groups with their unread and
mention counts, history by ``seq``, and a member's own messages (their own-data export)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import allows, reaches, scope_filter
from gridgov.access.principal import Principal
from gridgov.access.providers import member_scope
from gridgov.accounts.models import User
from gridgov.errors import NotFound
from gridgov.groups.models import (
    Group,
    GroupAttachment,
    GroupMember,
    GroupMention,
    GroupMessage,
)
from gridgov.i18n import Message
from gridgov.territory.scope import within


class GroupMembers:
    """The MEMBER rule's provider (access.providers): the groups a user is a current,
    not removed member of. Installed by :mod:`gridgov.database.hooks`."""

    def condition(self, principal: Principal, group_column: Any) -> ColumnElement[bool]:
        return group_column.in_(
            select(GroupMember.group_id).where(
                GroupMember.user_id == principal.user_id, GroupMember.left_at.is_(None)
            )
        )

    def contains(self, principal: Principal, group_id: str) -> bool:  # pragma: no cover
        raise NotImplementedError("asked in SQL only: groups.queries.access_group")


def readable(principal: Principal) -> ColumnElement[bool]:
    """The groups the principal may read: their own (membership is not a role: someone who
    joined by an invitation holds none), the archived groups they were ever a member of
    (not removed), and the groups they moderate."""
    former = select(GroupMember.group_id).where(
        GroupMember.user_id == principal.user_id, GroupMember.removed.is_(False)
    )
    return or_(
        member_scope().condition(principal, Group.id),
        and_(Group.status == "archived", Group.id.in_(former)),
        scope_filter(principal, "read", "group", Group.territory_code, group_column=Group.id),
        scope_filter(principal, "update", "group", Group.territory_code),
    )


def moderates(principal: Principal, group: Group) -> bool:
    """A leader of the group's node (or above): may moderate, post announcements, @all."""
    return allows(principal, "update", "group", group.territory_code)


def _missing(group_id: str) -> NotFound:
    return NotFound(Message("no group has id %(group_id)s", group_id=group_id))


def access_group(
    session: Session, group_id: str, principal: Principal, action: str = "read"
) -> Group:
    """The group if the principal may ``action`` it (read: a member or a moderator;
    update: a moderator), else the NotFound a missing group gives."""
    if action == "read":
        condition = readable(principal)
    else:
        require(principal, action, "group")
        condition = scope_filter(principal, action, "group", Group.territory_code)
    group = session.scalar(select(Group).where(Group.id == group_id, condition))
    if group is None:
        raise _missing(group_id)
    return group


def membership(session: Session, group: Group, user_id: str) -> GroupMember | None:
    """The user's current membership of the group, if any."""
    return session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.user_id == user_id,
            GroupMember.left_at.is_(None),
        )
    )


def village_group(session: Session, village_code: str) -> Group | None:
    return session.scalar(
        select(Group).where(Group.kind == "village", Group.territory_code == village_code)
    )


def groups_of_territory(session: Session, code: str) -> Sequence[Group]:
    """Active groups on ``code`` and under it (a notice to a territory goes to these)."""
    return session.scalars(
        select(Group)
        .where(within(Group.territory_code, code), Group.status == "active")
        .order_by(Group.territory_code, Group.kind)
    ).all()


def all_groups(
    session: Session, *, territory: str | None = None, limit: int = 200
) -> list[tuple[Group, int]]:
    """Every group, active or archived (on ``territory`` and under it), with its member
    count, for the operator's CLI (no principal: the CLI acts for the platform)."""
    if territory is not None:
        reach_territory(session, None, "read", "group", territory)
    members = (
        select(func.count())
        .select_from(GroupMember)
        .where(GroupMember.group_id == Group.id, GroupMember.left_at.is_(None))
        .correlate(Group)
        .scalar_subquery()
    )
    query = select(Group, members)
    if territory is not None:
        query = query.where(within(Group.territory_code, territory))
    rows = session.execute(query.order_by(Group.territory_code, Group.kind).limit(limit))
    return [(group, int(count or 0)) for group, count in rows]


@dataclass(frozen=True)
class GroupListed:
    group: Group
    is_member: bool
    unread: int
    mentions: int
    read_seq: int


def _unread(user_id: str) -> tuple[Any, Any]:
    member = (
        select(GroupMember.read_seq)
        .where(
            GroupMember.group_id == Group.id,
            GroupMember.user_id == user_id,
            GroupMember.left_at.is_(None),
        )
        .correlate(Group)  # the listed group, also from inside the counts below
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .select_from(GroupMessage)
        .where(
            GroupMessage.group_id == Group.id,
            GroupMessage.seq > member,
            GroupMessage.recalled_at.is_(None),
            or_(GroupMessage.author_user_id.is_(None), GroupMessage.author_user_id != user_id),
        )
        .correlate(Group)
        .scalar_subquery()
    )
    mentions = (
        select(func.count())
        .select_from(GroupMention)
        .join(GroupMessage, GroupMessage.id == GroupMention.message_id)
        .where(
            GroupMention.user_id == user_id,
            GroupMention.group_id == Group.id,
            GroupMention.seq > member,
            GroupMessage.recalled_at.is_(None),
        )
        .correlate(Group)
        .scalar_subquery()
    )
    return member, (unread, mentions)


def list_groups(
    session: Session,
    principal: Principal,
    *,
    territory: str | None = None,
    group_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[GroupListed], int]:
    """The groups the principal may read, archived ones included, with their unread and
    mention counts (zero in a group they moderate without being a member)."""
    conditions = [readable(principal)]
    if territory is not None:
        in_reach = reaches(principal, "update", "group", territory) or _member_under(
            session, principal, territory
        )
        # Out of reach answers exactly as a code no node has (policy.reaches).
        reach_territory(session, None if in_reach else principal, "read", "group", territory)
        conditions.append(within(Group.territory_code, territory))
    if group_id is not None:
        conditions.append(Group.id == group_id)
    total = session.scalar(select(func.count()).select_from(Group).where(*conditions)) or 0
    member, (unread, mentions) = _unread(principal.user_id)
    rows = session.execute(
        select(Group, member, unread, mentions)
        .where(*conditions)
        .order_by(Group.territory_code, Group.kind, Group.id)
        .limit(limit)
        .offset(offset)
    ).all()
    listed = [
        GroupListed(
            group=group,
            is_member=read_seq is not None,
            unread=int(unread_count or 0) if read_seq is not None else 0,
            mentions=int(mention_count or 0) if read_seq is not None else 0,
            read_seq=int(read_seq or 0),
        )
        for group, read_seq, unread_count, mention_count in rows
    ]
    return listed, total


def _member_under(session: Session, principal: Principal, territory: str) -> bool:
    """Whether the principal is a member of a group on ``territory`` or under it (an
    invited member, who holds no role, may still filter by their village)."""
    codes = session.scalars(
        select(Group.territory_code)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == principal.user_id, GroupMember.left_at.is_(None))
    ).all()
    return any(code.startswith(territory) for code in codes)


def history(
    session: Session,
    group: Group,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
    include_recalled: bool = False,
) -> tuple[list[GroupMessage], int]:
    """Messages by ``seq``: the latest ``limit`` before ``before`` (newest page first read,
    answered oldest first), or the first ``limit`` after ``after``. Recalled ones are left
    out unless asked (a moderator's audit view)."""
    conditions: list[Any] = [GroupMessage.group_id == group.id]
    if not include_recalled:
        conditions.append(GroupMessage.recalled_at.is_(None))
    total = session.scalar(select(func.count()).select_from(GroupMessage).where(*conditions)) or 0
    if after is not None:
        query = (
            select(GroupMessage)
            .where(*conditions, GroupMessage.seq > after)
            .order_by(GroupMessage.seq)
            .limit(limit)
        )
        return list(session.scalars(query)), total
    if before is not None:
        conditions.append(GroupMessage.seq < before)
    query = select(GroupMessage).where(*conditions).order_by(GroupMessage.seq.desc()).limit(limit)
    return sorted(session.scalars(query), key=lambda message: message.seq), total


def access_message(session: Session, message_id: str, principal: Principal) -> GroupMessage:
    """A message of a group the principal may read (recalled ones only for moderators)."""
    message = session.get(GroupMessage, message_id)
    missing = NotFound(Message("no message has id %(message_id)s", message_id=message_id))
    if message is None:
        raise missing
    try:
        group = access_group(session, message.group_id, principal)
    except NotFound:
        raise missing from None
    if message.recalled_at is not None and not moderates(principal, group):
        raise missing
    return message


def image_file(
    session: Session, group: Group, attachment_id: str, *, data_dir: Path
) -> tuple[GroupAttachment, Path]:
    """An image of this group and its file (another group's answers like a missing one)."""
    attachment = session.scalar(
        select(GroupAttachment).where(
            GroupAttachment.id == attachment_id, GroupAttachment.group_id == group.id
        )
    )
    path = data_dir / attachment.path if attachment is not None else None
    if attachment is None or path is None or not path.is_file():
        raise NotFound(Message("no image of this group has id %(id)s", id=attachment_id))
    return attachment, path


def attachment_file(
    session: Session, message: GroupMessage, *, data_dir: Path
) -> tuple[GroupAttachment, Path]:
    """A message's photo or voice and its file (a recalled message's: none, for anyone)."""
    attachment = session.get(GroupAttachment, message.attachment_id or "")
    path = data_dir / attachment.path if attachment is not None else None
    if message.recalled_at is not None or path is None or not path.is_file():
        raise NotFound(Message("message %(id)s has no photo or voice", id=message.id))
    assert attachment is not None
    return attachment, path


def messages_of_member(session: Session, group: Group, user_id: str, *, since: Any = None) -> int:
    """How many messages the user posted in the group since ``since``."""
    conditions = [GroupMessage.group_id == group.id, GroupMessage.author_user_id == user_id]
    if since is not None:
        conditions.append(GroupMessage.created_at > since)
    return session.scalar(select(func.count()).select_from(GroupMessage).where(*conditions)) or 0


def own_messages(session: Session, resident_id: str) -> list[dict[str, Any]]:
    """Own-data section ``group_messages``: everything the resident's accounts posted."""
    users = select(User.id).where(User.resident_id == resident_id)
    rows = session.execute(
        select(GroupMessage, Group.name)
        .join(Group, Group.id == GroupMessage.group_id)
        .where(GroupMessage.author_user_id.in_(users))
        .order_by(GroupMessage.created_at, GroupMessage.id)
    ).all()
    return [
        {
            "group": name,
            "seq": message.seq,
            "kind": message.kind,
            "text": message.text,
            "lon": message.lon,
            "lat": message.lat,
            "recalled": message.recalled_at is not None,
            "posted_at": clock.local_iso(message.created_at),
        }
        for message, name in rows
    ]
