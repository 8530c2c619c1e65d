"""API shapes of groups and their messages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gridgov.groups.models import GroupInvitation, GroupMember, GroupMessage
from gridgov.groups.queries import GroupListed
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input, MultiLine


class GroupOut(BaseModel):
    id: str
    kind: str
    territory_code: str
    village_code: str
    name: str
    mode: str
    archived: bool = Field(description="its place was retired: read-only, history kept")
    last_seq: int
    is_member: bool
    read_seq: int
    unread: int
    mentions: int
    created_at: LocalTimestamp

    @classmethod
    def of(cls, listed: GroupListed) -> GroupOut:
        group = listed.group
        return cls(
            id=group.id,
            kind=group.kind,
            territory_code=group.territory_code,
            village_code=group.village_code,
            name=group.name,
            mode=group.mode,
            archived=group.status == "archived",
            last_seq=group.last_seq,
            is_member=listed.is_member,
            read_seq=listed.read_seq,
            unread=listed.unread,
            mentions=listed.mentions,
            created_at=group.created_at,
        )


class GroupCreate(Input):
    territory_code: str = Field(min_length=6, max_length=17, description="a grid or a unit")


class GroupChange(Input):
    mode: Literal["open", "announcements"]


class MentionIn(Input):
    kind: Literal["user", "unit", "all"]
    target: str | None = Field(
        default=None, max_length=32, description="the user id, or the unit code"
    )


class LocationIn(Input):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    note: str | None = Field(default=None, max_length=200)


class MessageCreate(Input):
    """A text message is ``{"text": ...}`` (at most 4,000 characters); an image names an
    uploaded attachment (``POST /groups/{id}/images``); a location is a point."""

    text: MultiLine | None = None
    image: str | None = Field(default=None, max_length=32, description="an attachment id")
    location: LocationIn | None = None
    reply_to: str | None = Field(default=None, max_length=32)
    mentions: list[MentionIn] = Field(default_factory=list, max_length=50)


class MentionOut(BaseModel):
    kind: str
    target: str | None


class MessageOut(BaseModel):
    id: str
    group_id: str
    seq: int
    kind: str
    author_user_id: str | None
    author_name: str
    text: str | None
    reply_to: str | None
    image: str | None
    lon: float | None
    lat: float | None
    mentions: list[MentionOut]
    pinned: bool
    recalled: bool
    recalled_by: str | None
    created_at: LocalTimestamp

    @classmethod
    def of(cls, message: GroupMessage) -> MessageOut:
        return cls(
            id=message.id,
            group_id=message.group_id,
            seq=message.seq,
            kind=message.kind,
            author_user_id=message.author_user_id,
            author_name=message.author_name,
            text=message.text,
            reply_to=message.reply_to_id,
            image=message.attachment_id,
            lon=message.lon,
            lat=message.lat,
            mentions=[MentionOut(**mention) for mention in message.mentions],
            pinned=message.pinned_at is not None,
            recalled=message.recalled_at is not None,
            recalled_by=message.recalled_by,
            created_at=message.created_at,
        )


class MessagePage(BaseModel):
    """A page of history by seq (oldest first); ``total`` counts the group's messages."""

    items: list[MessageOut]
    total: int
    limit: int
    offset: int = 0


class ReadIn(Input):
    up_to: str = Field(min_length=1, max_length=32, description="a message id")


class ReadOut(BaseModel):
    group_id: str
    read_seq: int


class PinIn(Input):
    pinned: bool = True


class AttachmentOut(BaseModel):
    id: str
    group_id: str
    content_type: str
    size_bytes: int


class MemberOut(BaseModel):
    user_id: str
    display_name: str
    source: str
    joined_at: LocalTimestamp
    muted_until: LocalTimestamp | None
    read_seq: int

    @classmethod
    def of(cls, member: GroupMember, display_name: str) -> MemberOut:
        return cls(
            user_id=member.user_id,
            display_name=display_name,
            source=member.source,
            joined_at=member.joined_at,
            muted_until=member.muted_until,
            read_seq=member.read_seq,
        )


class MuteIn(Input):
    minutes: int = Field(ge=0, le=43200, description="0 lifts the mute")


class RemoveIn(Input):
    reason: str = Field(min_length=1, max_length=100)


class InvitationOut(BaseModel):
    id: str
    group_id: str
    code: str
    status: str
    expires_at: LocalTimestamp
    requested_by: str | None
    decided_by: str | None

    @classmethod
    def of(cls, invitation: GroupInvitation) -> InvitationOut:
        return cls(
            id=invitation.id,
            group_id=invitation.group_id,
            code=invitation.code,
            status=invitation.status,
            expires_at=invitation.expires_at,
            requested_by=invitation.requested_by,
            decided_by=invitation.decided_by,
        )


class RedeemIn(Input):
    code: str = Field(min_length=4, max_length=32)


class DecisionIn(Input):
    approve: bool
