"""/groups: the caller's groups with unread and mention counts, and a group's chat (history
by seq with "load older", live updates through static/js/chat.js, text, photo, voice,
replies, @mentions, recall and pin).

Everything goes through the groups domain (``access_group``, ``history``,
``check_post_message``, ...), with the same Principal as the API: out of reach is the
not-found page. The fragments chat.js fetches (``/groups/{id}/messages?after=``, one
message, the pins) are rendered here, so the server translates and escapes every text.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov.errors import DomainError, NotFound, PermissionDenied
from gridgov.groups.actions import (
    Draft,
    check_mark_read,
    check_pin_message,
    check_post_message,
    check_recall_message,
    check_upload_image,
)
from gridgov.groups.models import Group, GroupMessage
from gridgov.groups.queries import (
    access_group,
    access_message,
    attachment_file,
    history,
    list_groups,
    membership,
    moderates,
)
from gridgov.groups.voice import MAX_VOICE_BYTES
from gridgov.groups.voice_messages import check_post_voice
from gridgov.http.sessions import SessionDep
from gridgov.i18n import Message
from gridgov.notify.realtime.log import log_bounds
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.group_views import (
    GROUP_KIND_LABELS,
    PRIORITY_LABELS,
    Rights,
    group_rows,
    mentions_in_text,
    message_views,
    pinned_messages,
)
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()
PAGE_SIZE = 30
EVENTS_URL = "/api/v1/events"
LABELS: dict[str, Any] = {
    "GROUP_KIND_LABELS": GROUP_KIND_LABELS,
    "PRIORITY_LABELS": PRIORITY_LABELS,
}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def live_context(session: Session) -> dict[str, Any]:
    """The events socket and the log's position when the page was read: the page shows
    everything up to it, so the socket resumes after it."""
    return {"events_url": EVENTS_URL, "events_position": log_bounds(session)[0]}


def rights_of(caller: PageCaller, group: Group) -> Rights:
    return Rights(
        user_id=caller.user.id,
        moderator=moderates(caller.principal, group),
        open=group.status != "archived",
    )


def _seq(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except ValueError:
        return None


@router.get("/groups")
def groups_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    listed, _total = list_groups(session, caller.principal, limit=500)
    context = {"groups": group_rows(session, listed), **LABELS}
    if is_htmx(request):
        return render(request, "groups/_list.html", context)
    return render(request, "groups/list.html", {**context, **live_context(session)})


def _page_of(
    session: Session, group: Group, rights: Rights, *, before: int | None, after: int | None
) -> dict[str, Any]:
    rows, _total = history(session, group, before=before, after=after, limit=PAGE_SIZE)
    first = rows[0].seq if rows else (before or 0)
    older, _ = history(session, group, before=first, limit=1) if first else ([], 0)
    return {
        "messages": message_views(session, rows, rights),
        "has_older": bool(older) and after is None,
        "first_seq": first,
        "last_seq": rows[-1].seq if rows else 0,
    }


@router.get("/groups/{group_id}")
def chat_page(request: Request, group_id: str, session: SessionDep, caller: CallerDep) -> Response:
    group = access_group(session, group_id, caller.principal)
    rights = rights_of(caller, group)
    live = live_context(session)  # read before the messages: nothing falls between
    page = _page_of(
        session, group, rights, before=_seq(request.query_params.get("before")), after=None
    )
    context = {
        "group": group,
        "pins": message_views(session, pinned_messages(session, group), rights),
        **page,
        **posting_rights(session, group, caller, rights),
        **live,
        **LABELS,
    }
    return render(request, "groups/chat.html", context)


def posting_rights(
    session: Session, group: Group, caller: PageCaller, rights: Rights
) -> dict[str, Any]:
    """What the composer offers: posting (members, leaders; announcements: leaders only),
    replying (members of an announcements group), @all (leaders), a notice (leaders)."""
    from gridgov import clock

    member = membership(session, group, caller.user.id)
    muted = member.muted_until if member is not None else None
    if muted is not None and muted <= clock.now():
        muted = None
    open_group = group.status == "active"  # an archived group is read-only
    may_write = (member is not None or rights.moderator) and muted is None and open_group
    return {
        "moderator": rights.moderator,
        "can_post": may_write and (group.mode == "open" or rights.moderator),
        "can_reply": may_write and group.mode == "announcements",
        "can_mention_all": rights.moderator,
        "can_notice": rights.moderator and open_group,
        "muted_until": muted,
    }


@router.get("/groups/{group_id}/messages")
def messages_fragment(
    request: Request, group_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """A page of messages for chat.js: ``?after=SEQ`` (newer) or ``?before=SEQ`` (older)."""
    group = access_group(session, group_id, caller.principal)
    after = _seq(request.query_params.get("after"))
    before = _seq(request.query_params.get("before"))
    page = _page_of(session, group, rights_of(caller, group), before=before, after=after)
    return render(request, "groups/_messages.html", page)


def _message_of_group(
    session: Session, group: Group, message_id: str, caller: PageCaller
) -> GroupMessage:
    """A message of a group the caller reads (already checked). A recalled one is found
    too: its view keeps only who recalled it and when, so the chat can show that."""
    message = session.get(GroupMessage, message_id)
    if message is None or message.group_id != group.id:
        raise NotFound(Message("no message has id %(message_id)s", message_id=message_id))
    return message


@router.get("/groups/{group_id}/messages/{message_id}")
def message_fragment(
    request: Request, group_id: str, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    group = access_group(session, group_id, caller.principal)
    message = _message_of_group(session, group, message_id, caller)
    view = message_views(session, [message], rights_of(caller, group))[0]
    return render(request, "groups/_message.html", {"message": view})


@router.get("/groups/{group_id}/pins")
def pins_fragment(
    request: Request, group_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    group = access_group(session, group_id, caller.principal)
    pins = message_views(session, pinned_messages(session, group), rights_of(caller, group))
    return render(request, "groups/_pins.html", {"pins": pins})


@router.get("/groups/{group_id}/messages/{message_id}/attachment")
def message_attachment(
    request: Request, group_id: str, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """A message's photo or voice, with the group's access (a recalled one: not found)."""
    group = access_group(session, group_id, caller.principal)
    message = _message_of_group(session, group, message_id, caller)
    attachment, path = attachment_file(
        session, message, data_dir=request.app.state.settings.data_dir
    )
    response = FileResponse(path, media_type=attachment.content_type)
    response.headers["cache-control"] = "private, max-age=3600"
    return response


def _refused(request: Request, error: DomainError) -> Response:
    """A refusal for chat.js and composer.js: the error's text, with its status."""
    return render(request, "groups/_refusal.html", {"error": error}, status=error.status)


@router.post("/groups/{group_id}/messages")
def post_message(
    request: Request,
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    text: Annotated[str, Form(max_length=8000)] = "",
    reply_to: Annotated[str, Form(max_length=64)] = "",
    image: Annotated[UploadFile | None, File()] = None,
    voice: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A message from the composer (text, a photo, a voice message, a reply, @mentions
    written in the text). composer.js gets 204 or the refusal; a plain form the page."""
    group = access_group(session, group_id, caller.principal)
    try:
        with session.begin_nested():
            message = _post(request, session, group, caller, text, reply_to, image, voice)
    except DomainError as error:
        if is_htmx(request):
            return _refused(request, error)
        raise
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, f"/groups/{group.id}#m{message.seq}")


def _post(
    request: Request,
    session: Session,
    group: Group,
    caller: PageCaller,
    text: str,
    reply_to: str,
    image: UploadFile | None,
    voice: UploadFile | None,
) -> GroupMessage:
    settings = request.app.state.settings
    draft = Draft(
        text=text if text.strip() else None,
        reply_to_id=reply_to.strip() or None,
        mentions=mentions_in_text(session, group, text),
    )
    if voice is not None and voice.filename:
        return post_voice(request, session, group, caller, voice)
    if image is not None and image.filename:
        data = image.file.read(settings.max_photo_bytes + 1)
        attachment = check_upload_image(
            session,
            group,
            data,
            principal=caller.principal,
            data_dir=settings.data_dir,
            max_bytes=settings.max_photo_bytes,
            quota_bytes=settings.group_attachment_quota_bytes,
        )
        draft.attachment_id = attachment.id
    return check_post_message(
        session,
        group,
        draft,
        principal=caller.principal,
        per_minute=settings.group_messages_per_minute,
    )


def post_voice(
    request: Request, session: Session, group: Group, caller: PageCaller, voice: UploadFile
) -> GroupMessage:
    """A voice message recorded in the browser (or a phone's file): type and length read
    from the bytes by ``groups.voice_messages.check_post_voice`` (PyAV)."""
    settings = request.app.state.settings
    return check_post_voice(
        session,
        group,
        voice.file.read(MAX_VOICE_BYTES + 1),
        principal=caller.principal,
        data_dir=settings.data_dir,
        quota_bytes=settings.group_attachment_quota_bytes,
    )


@router.post("/groups/{group_id}/read")
def mark_read(
    request: Request,
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    up_to: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """chat.js: the caller has seen the group up to message ``up_to`` (an id)."""
    group = access_group(session, group_id, caller.principal)
    if membership(session, group, caller.user.id) is None:
        return Response(status_code=204)  # a leader reading a group they are not in
    try:
        with session.begin_nested():
            check_mark_read(session, group, up_to=up_to, principal=caller.principal)
    except DomainError as error:
        return _refused(request, error)
    return Response(status_code=204)


@router.post("/messages/{message_id}/recall")
def recall_message(
    request: Request, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """The author or a leader of the group recalls a message (kept for the audit)."""
    message = access_message(session, message_id, caller.principal)
    group = access_group(session, message.group_id, caller.principal)
    if message.author_user_id != caller.user.id and not moderates(caller.principal, group):
        raise PermissionDenied(Message("only the author or a leader of the group may recall it"))
    check_recall_message(session, message, actor=caller.actor)
    return _back_to(request, group, message)


def _back_to(request: Request, group: Group, message: GroupMessage) -> Response:
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, f"/groups/{group.id}#m{message.seq}")


def _pin(request: Request, message_id: str, session: Session, caller: PageCaller, pinned: bool):
    message = access_message(session, message_id, caller.principal)
    group = access_group(session, message.group_id, caller.principal, action="update")
    check_pin_message(session, message, pinned=pinned, actor=caller.actor)
    return _back_to(request, group, message)


@router.post("/messages/{message_id}/pin")
def pin_message(
    request: Request, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    return _pin(request, message_id, session, caller, True)


@router.post("/messages/{message_id}/unpin")
def unpin_message(
    request: Request, message_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    return _pin(request, message_id, session, caller, False)
