"""/api/v1: searching the caller's groups' messages, voice messages, and turning a message
into a case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile, status
from fastapi.responses import FileResponse

from gridgov.access.checks import require
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.cases.models import Case
from gridgov.cases.photos import FORMATS as IMAGE_FORMATS
from gridgov.errors import NotFound
from gridgov.groups.case_models import MessageCase
from gridgov.groups.notice_schemas import MessageCaseIn, MessageCaseOut
from gridgov.groups.queries import access_group, access_message, attachment_file
from gridgov.groups.schemas import MessageOut
from gridgov.groups.search import search_messages
from gridgov.groups.to_case import check_message_to_case, may_make_case
from gridgov.groups.voice import ACCEPTED as VOICE_FORMATS
from gridgov.groups.voice import MAX_VOICE_BYTES
from gridgov.groups.voice_messages import check_post_voice
from gridgov.i18n import Message

TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "over the per-member message rate (a setting)"}
}
router = APIRouter(tags=["groups"])


@router.get("/search/messages")
def search(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="words or characters")],
) -> Page[MessageOut]:
    """Messages of the caller's groups containing ``q`` (Chinese from 1 character), newest
    first; recalled messages never."""
    found = search_messages(session, principal, q, limit=paging.limit, offset=paging.offset)
    return Page(
        items=[MessageOut.of(message) for message in found.messages],
        total=found.total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/groups/{group_id}/voice", status_code=status.HTTP_201_CREATED, responses=TOO_MANY)
def post_voice(
    group_id: str, file: UploadFile, request: Request, session: SessionDep, principal: PrincipalDep
) -> MessageOut:
    """Post a voice message (multipart ``file``): WebM/Opus, OGG/Opus, AAC/M4A or AMR, at
    most 60 seconds and 2 MB (type and length read from the bytes)."""
    group = access_group(session, group_id, principal)
    settings = request.app.state.settings
    data = file.file.read(MAX_VOICE_BYTES + 1)
    message = check_post_voice(
        session,
        group,
        data,
        principal=principal,
        data_dir=settings.data_dir,
        quota_bytes=settings.group_attachment_quota_bytes,
    )
    return MessageOut.of(message)


@router.get(
    "/messages/{message_id}/attachment",
    response_class=FileResponse,
    responses=file_answer(
        *(media_type for media_type, _ext in IMAGE_FORMATS.values()),
        *(media_type for media_type, _ext in VOICE_FORMATS.values()),
    ),
)
def read_attachment(
    message_id: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> FileResponse:
    """A message's photo or voice recording (the message's ``kind`` says which), with the
    group's access; a recalled message's is gone for everyone."""
    message = access_message(session, message_id, principal)
    attachment, path = attachment_file(
        session, message, data_dir=request.app.state.settings.data_dir
    )
    return FileResponse(path, media_type=attachment.content_type)


@router.post("/messages/{message_id}/case", status_code=status.HTTP_201_CREATED)
def message_to_case(
    message_id: str,
    body: MessageCaseIn,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> MessageCaseOut:
    """A leader of the message's group turns it into a case (category suggested from the
    text unless given; place from its location, else the author's household; its image
    carried over). The case's status changes come back into the group."""
    require(principal, "update", "group")  # 403 first: a role that never leads
    message = access_message(session, message_id, principal)
    if not may_make_case(session, principal, message):
        raise NotFound(Message("no message has id %(message_id)s", message_id=message_id))
    case = check_message_to_case(
        session,
        message,
        principal=principal,
        category_code=body.category_code,
        description=body.description,
        data_dir=request.app.state.settings.data_dir,
    )
    return MessageCaseOut(
        message_id=message.id,
        case_id=case.id,
        group_id=message.group_id,
        category_code=case.category_code,
        territory_code=case.territory_code,
    )


@router.get("/messages/{message_id}/case")
def case_of_message(
    message_id: str, session: SessionDep, principal: PrincipalDep
) -> MessageCaseOut:
    """The case a leader made of this message (404 when none, or the message is out of
    reach)."""
    message = access_message(session, message_id, principal)
    link = session.get(MessageCase, message.id)
    case = session.get(Case, link.case_id) if link is not None else None
    if link is None or case is None:
        raise NotFound(Message("message %(message_id)s is no case", message_id=message_id))
    return MessageCaseOut(
        message_id=message.id,
        case_id=case.id,
        group_id=message.group_id,
        category_code=case.category_code,
        territory_code=case.territory_code,
    )
