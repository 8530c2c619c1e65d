"""/api/v1/groups: grid groups, their messages (history by seq), read pointers,
moderation, members and invitations.

A group out of the caller's reach (not a member, not a leader who moderates it) answers
exactly like a missing one (404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import select

from gridgov.access.checks import require, require_target
from gridgov.accounts.models import User
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.cases.photos import FORMATS as IMAGE_FORMATS
from gridgov.errors import NotFound
from gridgov.groups import actions, queries
from gridgov.groups.actions import Draft, Mention
from gridgov.groups.models import GroupInvitation, GroupMember
from gridgov.groups.queries import GroupListed, access_group, access_message
from gridgov.groups.schemas import (
    AttachmentOut,
    DecisionIn,
    GroupChange,
    GroupCreate,
    GroupOut,
    InvitationOut,
    MemberOut,
    MessageCreate,
    MessageOut,
    MessagePage,
    MuteIn,
    PinIn,
    ReadIn,
    ReadOut,
    RedeemIn,
    RemoveIn,
)
from gridgov.i18n import Message
from gridgov.settings import Settings

router = APIRouter(tags=["groups"])
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "over the per-member message rate (a setting)"}
}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _listed(session, group, principal) -> GroupOut:
    """One group with the caller's counts (the list's query, narrowed to it)."""
    found, _ = queries.list_groups(session, principal, group_id=group.id)
    if found:
        return GroupOut.of(found[0])
    return GroupOut.of(GroupListed(group, False, 0, 0, 0))


@router.get("/groups")
def list_groups(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
) -> Page[GroupOut]:
    """The caller's groups (and those they moderate), with unread and mention counts."""
    listed, total = queries.list_groups(
        session, principal, territory=territory, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[GroupOut.of(row) for row in listed],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/groups", status_code=status.HTTP_201_CREATED)
def create_group(
    body: GroupCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> GroupOut:
    """Open the group of a grid or unit the caller leads (a village's exists with it)."""
    require_target(principal, "create", "group", body.territory_code, field="territory_code")
    group = actions.check_create_group(session, territory_code=body.territory_code, actor=actor)
    return _listed(session, group, principal)


@router.get("/groups/{group_id}")
def get_group(group_id: str, session: SessionDep, principal: PrincipalDep) -> GroupOut:
    return _listed(session, access_group(session, group_id, principal), principal)


@router.patch("/groups/{group_id}")
def change_group(
    group_id: str, body: GroupChange, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> GroupOut:
    """Set the mode: ``open`` or ``announcements`` (only leaders post; others reply)."""
    group = access_group(session, group_id, principal, "update")
    actions.check_set_mode(session, group, mode=body.mode, actor=actor)
    return _listed(session, group, principal)


@router.get("/groups/{group_id}/messages")
def list_messages(
    group_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    before: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**53)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    recalled: Annotated[bool, Query(description="moderators: include recalled")] = False,
) -> MessagePage:
    """History by seq: the latest ``limit`` (or those before ``before``), or the first
    ``limit`` after ``after``; oldest first."""
    group = access_group(session, group_id, principal)
    audit = recalled and queries.moderates(principal, group)
    messages, total = queries.history(
        session, group, before=before, after=after, limit=limit, include_recalled=audit
    )
    return MessagePage(items=[MessageOut.of(m) for m in messages], total=total, limit=limit)


@router.post("/groups/{group_id}/messages", status_code=status.HTTP_201_CREATED, responses=TOO_MANY)
def post_message(
    group_id: str,
    body: MessageCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> MessageOut:
    """Post: ``{"text": ...}`` (at most 4,000 characters), or an ``image`` (an attachment
    id), or a ``location``; ``reply_to`` and ``mentions`` optional (``all``: leaders only)."""
    group = access_group(session, group_id, principal)
    draft = Draft(
        text=body.text if body.text is not None or body.location is None else body.location.note,
        attachment_id=body.image,
        lon=body.location.lon if body.location else None,
        lat=body.location.lat if body.location else None,
        reply_to_id=body.reply_to,
        mentions=[Mention(m.kind, m.target) for m in body.mentions],
    )
    message = actions.check_post_message(
        session,
        group,
        draft,
        principal=principal,
        per_minute=_settings(request).group_messages_per_minute,
    )
    return MessageOut.of(message)


@router.post("/groups/{group_id}/images", status_code=status.HTTP_201_CREATED)
def upload_image(
    group_id: str, file: UploadFile, request: Request, session: SessionDep, principal: PrincipalDep
) -> AttachmentOut:
    """Upload a JPEG, PNG or WebP image (multipart ``file``) to post as a message's
    ``image``; counted against the group's attachment quota (413 past it)."""
    group = access_group(session, group_id, principal)
    settings = _settings(request)
    data = file.file.read(settings.max_photo_bytes + 1)
    attachment = actions.check_upload_image(
        session,
        group,
        data,
        principal=principal,
        data_dir=settings.data_dir,
        max_bytes=settings.max_photo_bytes,
        quota_bytes=settings.group_attachment_quota_bytes,
    )
    return AttachmentOut(
        id=attachment.id,
        group_id=group.id,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
    )


@router.get(
    "/groups/{group_id}/images/{attachment_id}",
    response_class=FileResponse,
    responses=file_answer(*(media_type for media_type, _ext in IMAGE_FORMATS.values())),
)
def read_image(
    group_id: str,
    attachment_id: str,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> FileResponse:
    """An image's bytes (same access as the group)."""
    group = access_group(session, group_id, principal)
    attachment, path = queries.image_file(
        session, group, attachment_id, data_dir=_settings(request).data_dir
    )
    return FileResponse(path, media_type=attachment.content_type)


@router.post("/groups/{group_id}/read")
def mark_read(group_id: str, body: ReadIn, session: SessionDep, principal: PrincipalDep) -> ReadOut:
    """Read up to message ``up_to`` (the pointer stores its seq and never moves back)."""
    group = access_group(session, group_id, principal)
    member = actions.check_mark_read(session, group, up_to=body.up_to, principal=principal)
    return ReadOut(group_id=group.id, read_seq=member.read_seq)


@router.get("/groups/{group_id}/members")
def list_members(
    group_id: str, session: SessionDep, paging: PagingDep, principal: PrincipalDep
) -> Page[MemberOut]:
    group = access_group(session, group_id, principal)
    query = (
        select(GroupMember, User.display_name)
        .join(User, User.id == GroupMember.user_id)
        .where(GroupMember.group_id == group.id, GroupMember.left_at.is_(None))
    )
    rows = session.execute(
        query.order_by(User.display_name, GroupMember.user_id)
        .limit(paging.limit)
        .offset(paging.offset)
    ).all()
    total = len(session.execute(query).all())
    return Page(
        items=[MemberOut.of(member, name) for member, name in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


def _display_name(session, user_id: str) -> str:
    return session.scalar(select(User.display_name).where(User.id == user_id)) or user_id


@router.post("/groups/{group_id}/members/{user_id}/mute")
def mute_member(
    group_id: str,
    user_id: str,
    body: MuteIn,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> MemberOut:
    """Mute a member for ``minutes`` (0 lifts it): they still read."""
    group = access_group(session, group_id, principal, "update")
    member = actions.check_mute_member(
        session, group, user_id=user_id, minutes=body.minutes, actor=actor
    )
    return MemberOut.of(member, _display_name(session, user_id))


@router.post("/groups/{group_id}/members/{user_id}/remove")
def remove_member(
    group_id: str,
    user_id: str,
    body: RemoveIn,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> MemberOut:
    """Remove a member (the registry does not bring them back)."""
    group = access_group(session, group_id, principal, "update")
    member = actions.check_remove_member(
        session, group, user_id=user_id, reason=body.reason, actor=actor
    )
    return MemberOut.of(member, _display_name(session, user_id))


def _moderated_message(session, message_id: str, principal):
    require(principal, "update", "message")
    message = access_message(session, message_id, principal)
    try:
        access_group(session, message.group_id, principal, "update")
    except NotFound:
        raise NotFound(Message("no message has id %(message_id)s", message_id=message_id)) from None
    return message


@router.post("/messages/{message_id}/recall")
def recall_message(
    message_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> MessageOut:
    """Recall: hidden from members, kept for the audit (leaders who moderate the group)."""
    message = _moderated_message(session, message_id, principal)
    return MessageOut.of(actions.check_recall_message(session, message, actor=actor))


@router.post("/messages/{message_id}/pin")
def pin_message(
    message_id: str, body: PinIn, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> MessageOut:
    message = _moderated_message(session, message_id, principal)
    return MessageOut.of(
        actions.check_pin_message(session, message, pinned=body.pinned, actor=actor)
    )


@router.get("/groups/{group_id}/invitations")
def list_invitations(
    group_id: str, session: SessionDep, paging: PagingDep, principal: PrincipalDep
) -> Page[InvitationOut]:
    group = access_group(session, group_id, principal, "update")
    query = select(GroupInvitation).where(GroupInvitation.group_id == group.id)
    rows = session.scalars(
        query.order_by(GroupInvitation.created_at.desc(), GroupInvitation.id)
        .limit(paging.limit)
        .offset(paging.offset)
    ).all()
    total = len(session.scalars(query).all())
    return Page(
        items=[InvitationOut.of(row) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/groups/{group_id}/invitations", status_code=status.HTTP_201_CREATED)
def create_invitation(
    group_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> InvitationOut:
    """A code for someone not in the registry (valid 7 days); they redeem it, a leader
    approves."""
    group = access_group(session, group_id, principal, "update")
    return InvitationOut.of(actions.check_create_invitation(session, group, actor=actor))


@router.post("/invitations/redeem")
def redeem_invitation(
    body: RedeemIn, session: SessionDep, principal: PrincipalDep
) -> InvitationOut:
    """Ask to join with a code; a leader of the group decides."""
    invitation = actions.check_redeem_invitation(session, code=body.code, principal=principal)
    return InvitationOut.of(invitation)


@router.post("/invitations/{invitation_id}/decision")
def decide_invitation(
    invitation_id: str,
    body: DecisionIn,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> InvitationOut:
    require(principal, "update", "group")
    invitation = session.get(GroupInvitation, invitation_id)
    missing = NotFound(Message("no invitation has id %(id)s", id=invitation_id))
    if invitation is None:
        raise missing
    try:
        access_group(session, invitation.group_id, principal, "update")
    except NotFound:
        raise missing from None
    decided = actions.check_decide_invitation(
        session, invitation, approve=body.approve, actor=actor
    )
    return InvitationOut.of(decided)
