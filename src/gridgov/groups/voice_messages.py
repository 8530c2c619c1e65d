"""Posting a voice message: the recording checked by :mod:`gridgov.groups.voice` (type and
duration read with PyAV), stored under ``data_dir/groups/<group id>/``, counted against the
group's attachment quota, and posted as a ``voice`` message.

The file is written before the row; a rolled-back request removes it again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.groups.actions import check_may_post, do_post_special_message
from gridgov.groups.errors import QuotaExceeded
from gridgov.groups.models import Group, GroupAttachment, GroupMessage
from gridgov.groups.voice import voice_format
from gridgov.i18n import Message
from gridgov.ids import new_id


def _write_removed_on_rollback(session: Session, path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)

    def remove(_session: Session) -> None:
        path.unlink(missing_ok=True)

    def keep(_session: Session) -> None:
        if event.contains(session, "after_rollback", remove):
            event.remove(session, "after_rollback", remove)

    event.listen(session, "after_rollback", remove, once=True)
    event.listen(session, "after_commit", keep, once=True)


def _count_in_quota(session: Session, group: Group, size: int, quota_bytes: int) -> None:
    if group.attachment_bytes + size > quota_bytes:
        raise QuotaExceeded(
            Message(
                "the group's attachments would pass its quota of %(quota)s bytes", quota=quota_bytes
            ),
            fields={"file": Message("over the group's quota")},
        )
    session.execute(
        update(Group)
        .where(Group.id == group.id)
        .values(attachment_bytes=Group.attachment_bytes + size)
    )
    session.refresh(group, ["attachment_bytes"])


def check_post_voice(
    session: Session,
    group: Group,
    data: bytes,
    *,
    principal: Principal,
    data_dir: Path,
    quota_bytes: int,
) -> GroupMessage:
    """Check, store and post a member's voice recording (WebM/Opus, OGG/Opus, AAC/M4A or
    AMR; at most 60 s and 2 MB)."""
    check_may_post(session, group, principal=principal)
    info = voice_format(data)
    _count_in_quota(session, group, len(data), quota_bytes)
    attachment_id = new_id()
    relative = Path("groups") / group.id / f"{attachment_id}.{info.extension}"
    _write_removed_on_rollback(session, data_dir / relative, data)
    session.add(
        GroupAttachment(
            id=attachment_id,
            group_id=group.id,
            uploaded_by=principal.user_id,
            content_type=info.content_type,
            size_bytes=len(data),
            duration_seconds=info.duration_seconds,
            sha256=hashlib.sha256(data).hexdigest(),
            path=relative.as_posix(),
        )
    )
    session.flush()
    author = session.get(User, principal.user_id)
    return do_post_special_message(
        session, group, kind="voice", text=None, author=author, attachment_id=attachment_id
    )
