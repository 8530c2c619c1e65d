"""Writes of groups: creating them (a village's with the village, a grid's or unit's on
demand), posting (seq under the group's row lock), reading, moderating and invitations.
Actions only flush; the adapter owns the transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.cases.photos import store_image
from gridgov.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.groups import membership
from gridgov.groups.errors import QuotaExceeded, TooManyMessages
from gridgov.groups.events import members_changed, publish_message_event
from gridgov.groups.models import (
    GROUP_MODES,
    Group,
    GroupAttachment,
    GroupInvitation,
    GroupMember,
    GroupMention,
    GroupMessage,
)
from gridgov.groups.queries import membership as current_membership
from gridgov.groups.queries import moderates
from gridgov.i18n import Message
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.routes import check_add_route
from gridgov.registry.models import Household, Resident
from gridgov.territory.creation_hooks import CreatedNode
from gridgov.territory.models import Territory
from gridgov.territory.scope import within
from gridgov.validation import refuse_bad_text

MAX_TEXT = 4000
MAX_NOTE = 200
INVITATION_DAYS = 7
DEFAULT_PER_MINUTE = 20
GROUP_NAME_SUFFIX = {"village": "群", "grid": "网格群", "unit": "单元群", "leaders": "干部群"}


# --- creating groups ---------------------------------------------------------------------


def _new_group(session: Session, *, kind: str, node_code: str, name: str, actor: str) -> Group:
    group = Group(
        kind=kind,
        territory_code=node_code,
        village_code=node_code[: membership.VILLAGE_LENGTH],
        name=f"{name}{GROUP_NAME_SUFFIX[kind]}"[:120],
        mode="open",
        status="active",
        created_by=actor,
    )
    session.add(group)
    session.flush()
    return group


def create_village_groups(session: Session, nodes: Sequence[CreatedNode], actor: str) -> None:
    """Territory creation hook: every new village gets its group and its leaders' group,
    in the transaction that creates it."""
    for node in nodes:
        if node.level != "village":
            continue
        for kind in ("village", "leaders"):
            group = _new_group(
                session, kind=kind, node_code=node.code, name=node.name_zh, actor=actor
            )
            membership.resync_group(session, group, reason="group created")


def follow_node_status(session: Session, codes: Sequence[str], status: str, actor: str) -> None:
    """Territory status hook: the groups of retired nodes are archived (read-only, their
    members and read pointers kept as they were); a node re-activated re-opens its groups,
    whose members follow the registry and posts again."""
    wanted, was = ("archived", "active") if status == "retired" else ("active", "archived")
    groups = session.scalars(
        select(Group)
        .where(Group.territory_code.in_(sorted(set(codes))), Group.status == was)
        .order_by(Group.id)
    ).all()
    for group in groups:
        group.status = wanted
    session.flush()
    if wanted == "active":
        for group in groups:
            membership.resync_group(session, group, reason="territory re-activated")


def check_open(group: Group) -> None:
    """An archived group (its node retired) is read-only: no posts, joins or moderation;
    its history stays readable by its former members and its leaders."""
    if group.status != "active":
        raise Conflict(
            Message("group %(name)s is archived: its place was retired", name=group.name),
            fields={"group": Message("archived")},
        )


def check_create_group(session: Session, *, territory_code: str, actor: str) -> Group:
    """Open the group of a grid or a unit (its leaders do, on demand); a node has one."""
    refuse_bad_text("territory_code", territory_code)
    node = session.scalar(select(Territory).where(Territory.code == territory_code))
    if node is None:
        raise NotFound(
            Message("no territory has code %(code)s", code=territory_code),
            fields={"territory_code": Message("not found")},
        )
    if node.level not in ("grid", "unit") or node.status != "active":
        raise ValidationFailed.field(
            "territory_code", Message("groups are opened on an active grid or unit")
        )
    if session.scalar(
        select(Group.id).where(Group.kind == node.level, Group.territory_code == node.code)
    ):
        raise Conflict(
            Message("%(code)s already has a group", code=node.code),
            fields={"territory_code": Message("already has a group")},
        )
    group = _new_group(
        session, kind=node.level, node_code=node.code, name=node.name_zh, actor=actor
    )
    membership.resync_group(session, group, reason="group created")
    return group


# --- posting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    kind: str  # user, unit or all
    target: str | None = None  # a user id, a unit code


@dataclass
class Draft:
    """What a member posts: text, an image (an attachment uploaded before), a location,
    a reply and mentions; at least one of text, image and location."""

    text: str | None = None
    attachment_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    reply_to_id: str | None = None
    mentions: Sequence[Mention] = field(default_factory=tuple)


def _check_text(text: str | None) -> str | None:
    if text is None:
        return None
    refuse_bad_text("text", text, multi_line=True)
    if len(text) > MAX_TEXT:
        raise ValidationFailed.field(
            "text",
            Message(
                "at most %(limit)s characters (%(count)s given)", limit=MAX_TEXT, count=len(text)
            ),
        )
    if not text.strip():
        raise ValidationFailed.field("text", Message("the message is empty"))
    return text


def _check_place(draft: Draft) -> None:
    if (draft.lon is None) != (draft.lat is None):
        raise ValidationFailed.field("location", Message("give both lon and lat"))
    if (
        draft.lon is not None
        and draft.lat is not None
        and not (-180 <= draft.lon <= 180 and -90 <= draft.lat <= 90)
    ):
        raise ValidationFailed.field("location", Message("lon or lat out of range"))


def _check_reply(session: Session, group: Group, reply_to_id: str | None) -> None:
    if reply_to_id is None:
        return
    found = session.scalar(
        select(GroupMessage.id).where(
            GroupMessage.id == reply_to_id,
            GroupMessage.group_id == group.id,
            GroupMessage.recalled_at.is_(None),
        )
    )
    if found is None:
        raise ValidationFailed.field(
            "reply_to", Message("no message of this group has id %(id)s", id=reply_to_id)
        )


def _check_attachment(
    session: Session, group: Group, attachment_id: str | None, user_id: str
) -> None:
    if attachment_id is None:
        return
    attachment = session.get(GroupAttachment, attachment_id)
    if attachment is None or attachment.group_id != group.id or attachment.uploaded_by != user_id:
        raise ValidationFailed.field(
            "image", Message("no image of yours in this group has id %(id)s", id=attachment_id)
        )
    used = session.scalar(
        select(GroupMessage.id).where(GroupMessage.attachment_id == attachment_id)
    )
    if used is not None:
        raise ValidationFailed.field("image", Message("this image is already posted"))


def _kind_of(draft: Draft) -> str:
    if draft.attachment_id is not None:
        return "image"
    if draft.lon is not None:
        return "location"
    if draft.text is not None:
        return "text"
    raise ValidationFailed.field("text", Message("give a text, an image or a location"))


def _members_in(session: Session, group: Group, unit_code: str) -> list[str]:
    """Current members of the group whose household lives in the unit."""
    return list(
        session.scalars(
            select(GroupMember.user_id)
            .join(User, User.id == GroupMember.user_id)
            .join(Resident, Resident.id == User.resident_id)
            .join(Household, Household.id == Resident.household_id)
            .where(
                GroupMember.group_id == group.id,
                GroupMember.left_at.is_(None),
                within(Household.territory_code, unit_code),
            )
        )
    )


def _all_members(session: Session, group: Group) -> list[str]:
    return list(
        session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
            )
        )
    )


def _resolve_mentions(
    session: Session, group: Group, mentions: Sequence[Mention], *, principal: Principal
) -> tuple[list[dict[str, Any]], set[str]]:
    """The mentions as stored on the message, and the members they reach."""
    stored: list[dict[str, Any]] = []
    reached: set[str] = set()
    for mention in mentions:
        if mention.kind == "all":
            if not moderates(principal, group):
                raise PermissionDenied(Message("only the group's leaders may mention everyone"))
            reached.update(_all_members(session, group))
        elif mention.kind == "unit":
            code = mention.target or ""
            if len(code) != 17 or not code.startswith(group.village_code):
                raise ValidationFailed.field(
                    "mentions", Message("%(code)s is not a unit of this village", code=code)
                )
            reached.update(_members_in(session, group, code))
        elif mention.kind == "user":
            if current_membership(session, group, mention.target or "") is None:
                raise ValidationFailed.field(
                    "mentions", Message("%(id)s is not a member of this group", id=mention.target)
                )
            reached.add(mention.target or "")
        else:
            raise ValidationFailed.field(
                "mentions", Message("a mention is of a user, a unit or all")
            )
        stored.append({"kind": mention.kind, "target": mention.target})
    reached.discard(principal.user_id)
    return stored, reached


def _check_may_post(
    session: Session, group: Group, draft: Draft, *, principal: Principal, per_minute: int
) -> None:
    member = current_membership(session, group, principal.user_id)
    leader = moderates(principal, group)
    if member is None and not leader:
        raise NotFound(Message("no group has id %(group_id)s", group_id=group.id))
    check_open(group)
    now = clock.now()
    if member is not None and member.muted_until is not None and member.muted_until > now:
        raise PermissionDenied(
            Message(
                "you are muted in this group until %(until)s",
                until=clock.local_iso(member.muted_until),
            )
        )
    if group.mode == "announcements" and not leader and draft.reply_to_id is None:
        raise PermissionDenied(
            Message("only leaders post in this group; reply to a message in its thread")
        )
    recent = (
        session.scalar(
            select(func.count())
            .select_from(GroupMessage)
            .where(
                GroupMessage.group_id == group.id,
                GroupMessage.author_user_id == principal.user_id,
                GroupMessage.created_at > now - dt.timedelta(minutes=1),
            )
        )
        or 0
    )
    if recent >= per_minute:
        raise TooManyMessages(
            Message(
                "at most %(limit)s messages a minute in one group: wait a moment",
                limit=per_minute,
            )
        )


def next_seq(session: Session, group: Group) -> int:
    """The group's next seq, taken under a lock on its row: the UPDATE locks the row
    (PostgreSQL: like SELECT ... FOR UPDATE, until commit; SQLite: the database's one
    writer), so a second post waits for the first to commit and seq order is commit order."""
    seq = session.execute(
        update(Group)
        .where(Group.id == group.id)
        .values(last_seq=Group.last_seq + 1)
        .returning(Group.last_seq)
    ).scalar_one()
    set_committed_value(group, "last_seq", seq)
    return int(seq)


def _write_message(
    session: Session,
    group: Group,
    *,
    kind: str,
    author: User | None,
    draft: Draft,
    mentions: list[dict[str, Any]],
    reached: set[str],
) -> GroupMessage:
    check_open(group)  # every post, the platform's and other modules' too
    seq = next_seq(session, group)
    message = GroupMessage(
        group_id=group.id,
        seq=seq,
        kind=kind,
        author_user_id=author.id if author else None,
        author_name=(author.display_name if author else "系统")[:100],
        text=draft.text,
        reply_to_id=draft.reply_to_id,
        attachment_id=draft.attachment_id,
        lon=draft.lon,
        lat=draft.lat,
        mentions=mentions,
    )
    session.add(message)
    session.flush()
    session.add_all(
        GroupMention(message_id=message.id, user_id=user_id, group_id=group.id, seq=seq)
        for user_id in sorted(reached)
    )
    session.flush()
    published(session, group, "message", message)
    return message


def check_post_message(
    session: Session,
    group: Group,
    draft: Draft,
    *,
    principal: Principal,
    per_minute: int = DEFAULT_PER_MINUTE,
) -> GroupMessage:
    """Post a member's message: the text at most 4,000 characters, the rate limit, the
    mode (announcements: others only reply), mute, mentions (everyone: leaders only)."""
    draft.text = _check_text(draft.text)
    _check_place(draft)
    kind = _kind_of(draft)
    _check_may_post(session, group, draft, principal=principal, per_minute=per_minute)
    _check_reply(session, group, draft.reply_to_id)
    _check_attachment(session, group, draft.attachment_id, principal.user_id)
    mentions, reached = _resolve_mentions(session, group, draft.mentions, principal=principal)
    author = session.get(User, principal.user_id)
    return _write_message(
        session, group, kind=kind, author=author, draft=draft, mentions=mentions, reached=reached
    )


def do_post_system_message(
    session: Session, group: Group, text: str, *, actor: str, reply_to: str | None = None
) -> GroupMessage:
    """A message from the platform (a case's status change): no author, no limits;
    ``reply_to``: in the thread of that message of the group."""
    draft = Draft(text=_check_text(text), reply_to_id=reply_to)
    return _write_message(
        session, group, kind="system", author=None, draft=draft, mentions=[], reached=set()
    )


def check_upload_image(
    session: Session,
    group: Group,
    data: bytes,
    *,
    principal: Principal,
    data_dir: Path,
    max_bytes: int,
    quota_bytes: int,
) -> GroupAttachment:
    """Store an image for a message (checked as case photos are), counted in the quota."""
    if current_membership(session, group, principal.user_id) is None and not moderates(
        principal, group
    ):
        raise NotFound(Message("no group has id %(group_id)s", group_id=group.id))
    check_open(group)
    if group.attachment_bytes + len(data) > quota_bytes:
        raise QuotaExceeded(
            Message(
                "the group's attachments would pass its quota of %(quota)s bytes", quota=quota_bytes
            ),
            fields={"file": Message("over the group's quota")},
        )
    stored = store_image(
        session, data, data_dir=data_dir, folder=Path("groups") / group.id, max_bytes=max_bytes
    )
    session.execute(
        update(Group)
        .where(Group.id == group.id)
        .values(attachment_bytes=Group.attachment_bytes + stored.size_bytes)
    )
    session.refresh(group, ["attachment_bytes"])
    attachment = GroupAttachment(
        id=stored.id,
        group_id=group.id,
        uploaded_by=principal.user_id,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        path=stored.path,
    )
    session.add(attachment)
    session.flush()
    return attachment


# --- reading -------------------------------------------------------------------------------


def check_mark_read(
    session: Session, group: Group, *, up_to: str, principal: Principal
) -> GroupMember:
    """Move the member's read pointer to the seq of message ``up_to`` (never back)."""
    member = current_membership(session, group, principal.user_id)
    if member is None:
        raise NotFound(Message("you are not a member of this group"))
    seq = session.scalar(
        select(GroupMessage.seq).where(GroupMessage.id == up_to, GroupMessage.group_id == group.id)
    )
    if seq is None:
        raise ValidationFailed.field(
            "up_to", Message("no message of this group has id %(id)s", id=up_to)
        )
    if seq > member.read_seq:
        member.read_seq = seq
        session.flush()
    return member


# --- moderation ----------------------------------------------------------------------------


def _member_row(session: Session, group: Group, user_id: str) -> GroupMember:
    member = current_membership(session, group, user_id)
    if member is None:
        raise NotFound(
            Message("%(user_id)s is not a member of this group", user_id=user_id),
            fields={"user_id": Message("not a member")},
        )
    return member


def check_mute_member(
    session: Session, group: Group, *, user_id: str, minutes: int, actor: str
) -> GroupMember:
    """Mute a member for ``minutes`` (0 lifts it); they read but do not post."""
    check_open(group)
    if not 0 <= minutes <= 60 * 24 * 30:
        raise ValidationFailed.field("minutes", Message("between 0 and 43200 (30 days)"))
    member = _member_row(session, group, user_id)
    member.muted_until = clock.now() + dt.timedelta(minutes=minutes) if minutes else None
    session.flush()
    return member


def check_remove_member(
    session: Session, group: Group, *, user_id: str, reason: str, actor: str
) -> GroupMember:
    """Remove a member; the registry does not bring them back (a leader may re-add them
    by an invitation)."""
    check_open(group)
    refuse_bad_text("reason", reason)
    member = _member_row(session, group, user_id)
    member.left_at = clock.now()
    member.left_reason = f"removed by {actor}: {reason.strip()}"[:120]
    member.removed = True
    session.flush()
    members_changed(session, [user_id])
    return member


def check_recall_message(session: Session, message: GroupMessage, *, actor: str) -> GroupMessage:
    """Recall: hidden from members, kept with who and when for the audit."""
    check_open(_group_of(session, message))
    if message.recalled_at is not None:
        raise Conflict(Message("the message is already recalled"))
    message.recalled_at, message.recalled_by = clock.now(), actor
    message.pinned_at = message.pinned_by = None
    session.flush()
    group = session.get(Group, message.group_id)
    assert group is not None
    published(session, group, "recall", message)
    return message


def check_pin_message(
    session: Session, message: GroupMessage, *, pinned: bool, actor: str
) -> GroupMessage:
    check_open(_group_of(session, message))
    if message.recalled_at is not None:
        raise Conflict(Message("a recalled message cannot be pinned"))
    message.pinned_at, message.pinned_by = (clock.now(), actor) if pinned else (None, None)
    session.flush()
    group = session.get(Group, message.group_id)
    assert group is not None
    published(session, group, "pin" if pinned else "unpin", message)
    return message


def _group_of(session: Session, message: GroupMessage) -> Group:
    group = session.get(Group, message.group_id)
    assert group is not None
    return group


def check_set_mode(session: Session, group: Group, *, mode: str, actor: str) -> Group:
    check_open(group)
    if mode not in GROUP_MODES:
        raise ValidationFailed.field(
            "mode", Message("one of %(modes)s", modes=", ".join(GROUP_MODES))
        )
    group.mode = mode
    session.flush()
    return group


# --- invitations ---------------------------------------------------------------------------


def check_create_invitation(session: Session, group: Group, *, actor: str) -> GroupInvitation:
    """A code a leader hands to someone not in the registry (valid 7 days)."""
    check_open(group)
    invitation = GroupInvitation(
        group_id=group.id,
        code=secrets.token_hex(5).upper(),
        status="open",
        created_by=actor,
        expires_at=clock.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation


def check_redeem_invitation(
    session: Session, *, code: str, principal: Principal
) -> GroupInvitation:
    """The invited person asks to join with the code; a leader decides."""
    refuse_bad_text("code", code)
    invitation = session.scalar(
        select(GroupInvitation).where(GroupInvitation.code == code.strip().upper())
    )
    if invitation is None or invitation.status != "open" or invitation.expires_at <= clock.now():
        raise NotFound(
            Message("no open invitation has this code"), fields={"code": Message("not found")}
        )
    check_open(_invited_group(session, invitation))
    invitation.status = "requested"
    invitation.requested_by = principal.user_id
    invitation.requested_at = clock.now()
    session.flush()
    return invitation


def check_decide_invitation(
    session: Session, invitation: GroupInvitation, *, approve: bool, actor: str
) -> GroupInvitation:
    """A leader approves (the requester joins) or refuses a requested invitation."""
    if invitation.status != "requested" or invitation.requested_by is None:
        raise Conflict(
            Message(
                "the invitation is %(status)s, not waiting for a decision", status=invitation.status
            )
        )
    if approve:
        check_open(_invited_group(session, invitation))
    invitation.status = "approved" if approve else "refused"
    invitation.decided_by, invitation.decided_at = actor, clock.now()
    if approve:
        _join_by_invitation(session, invitation.group_id, invitation.requested_by)
        members_changed(session, [invitation.requested_by])
    session.flush()
    return invitation


def _invited_group(session: Session, invitation: GroupInvitation) -> Group:
    group = session.get(Group, invitation.group_id)
    assert group is not None
    return group


def _join_by_invitation(session: Session, group_id: str, user_id: str) -> None:
    row = session.scalar(
        select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )
    if row is None:
        session.add(GroupMember(group_id=group_id, user_id=user_id, source="invitation"))
        return
    row.left_at = row.left_reason = None
    row.removed = False
    if row.source not in membership.AUTO_SOURCES:
        row.source = "invitation"


# --- events ------------------------------------------------------------------------------


def published(session: Session, group: Group, kind: str, message: GroupMessage) -> None:
    """The message event on stream ``group:<id>`` (groups.events), sent after commit."""
    publish_message_event(session, group, kind, message)


# --- notices, chain replies and voice messages (their modules compose these) -------------


def do_post_special_message(
    session: Session,
    group: Group,
    *,
    kind: str,
    text: str | None,
    author: User | None,
    pin_by: str | None = None,
    attachment_id: str | None = None,
) -> GroupMessage:
    """A message another module of groups composes (a notice, a chain-reply list, a voice
    message): that module checked who may post; the text is checked here."""
    draft = Draft(text=_check_text(text), attachment_id=attachment_id)
    message = _write_message(
        session, group, kind=kind, author=author, draft=draft, mentions=[], reached=set()
    )
    if pin_by is not None:
        message.pinned_at, message.pinned_by = clock.now(), pin_by
        session.flush()
    return message


def check_may_post(session: Session, group: Group, *, principal: Principal) -> None:
    """The checks a member's post passes (membership, mute, mode, rate), for the messages
    other modules compose (a chain-reply list, a voice message)."""
    _check_may_post(
        session, group, Draft(text="-"), principal=principal, per_minute=DEFAULT_PER_MINUTE
    )


def check_add_bridge_route(session: Session, *, group_id: str, **route: Any) -> BridgeRoute:
    """A bridge route of an existing, active group (bridges sit below groups and cannot look
    the group up themselves): a route naming no group would send nothing, forever."""
    group = session.get(Group, group_id) if isinstance(group_id, str) and group_id else None
    active = group is not None and group.status == "active"
    return check_add_route(session, group_id=group_id, group_active=active, **route)
