"""/api/v1/cases: report a case, list and read cases, their possible duplicates and photos.

Every list is filtered by the caller's territory in SQL (plus the cases they reported or
follow); a case named in a path goes through ``access_case``: outside the caller's reach
it answers 404 like a missing one. The reporter's contact is masked unless revealed.
Workflow steps are ``POST /cases/{id}/transitions`` (api/routers/case_transitions.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import select

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.accounts.reveal import Revealable, do_reveal
from gridgov.api.deps import PagingDep, SessionDep, writes_when_revealing
from gridgov.api.params import ReasonQuery, TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.cases.duplicates import PossibleDuplicate, possible_duplicates
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case
from gridgov.cases.photos import FORMATS as IMAGE_FORMATS
from gridgov.cases.photos import check_add_photo, photo_file
from gridgov.cases.queries import (
    access_case,
    case_filter,
    case_photos,
    case_timeline,
    list_cases,
)
from gridgov.cases.schemas import CaseCreate, CaseDetail, CaseOut, DuplicateOut, PhotoOut
from gridgov.errors import PermissionDenied
from gridgov.http.idempotency import IdempotencyKey, idempotency_owner
from gridgov.i18n import Message
from gridgov.settings import Settings

router = APIRouter(tags=["cases"])
CONTACT_FIELDS = ("reporter_contact", "reporter_email")  # what a reveal shows (and audits)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@router.post("/cases", response_model=CaseOut, status_code=201)
def report_case(
    body: CaseCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> CaseOut:
    """Report a case (channel ``api``). It is located by ``household_id``, else by the point
    (``lon``, ``lat``), else by the reporter's own household. 201 when created; 200 with the
    same case when this ``Idempotency-Key`` was used before by the caller. The answer lists
    open cases of the same category within 100 m and 14 days as ``possible_duplicates``."""
    case, created = check_report_case(
        session,
        **body.model_dump(),
        channel="api",
        actor=actor,
        reporter_user_id=principal.user_id,
        idempotency_owner=idempotency_owner(principal.user_id),
        idempotency_key=idempotency_key or None,
        principal=principal,
    )
    if not created:
        response.status_code = 200
    duplicates = _readable_duplicates(session, principal, case)
    return CaseOut.of(case, duplicates=duplicates)


def _readable_duplicates(
    session: SessionDep, principal: Principal, case: Case
) -> list[PossibleDuplicate]:
    """The case's possible duplicates the caller may read (no other case is named)."""
    found = possible_duplicates(session, case, case.category_code, clock.now())
    if not found:
        return []
    readable = set(
        session.scalars(
            select(Case.id).where(Case.id.in_([d.id for d in found]), case_filter(principal))
        )
    )
    return [d for d in found if d.id in readable]


@router.get("/cases", response_model=Page[CaseOut])
def list_cases_route(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    state: str | None = None,
    level: str | None = None,
    category: Annotated[str | None, Query(description="a category code (and its children)")] = None,
    household_id: Annotated[str | None, Query(description="cases about this household")] = None,
    overdue: Annotated[bool, Query(description="open and past due")] = False,
    mine: Annotated[bool, Query(description="waiting on a node you handle")] = False,
    reported_by_me: bool = False,
) -> Page[CaseOut]:
    """Cases newest first: those located in your territory, and those you reported or follow."""
    now = clock.now()
    cases, total = list_cases(
        session,
        principal=principal,
        territory=territory,
        state=state,
        level=level,
        category=category,
        household_id=household_id,
        overdue=overdue,
        mine=mine,
        reported_by_me=reported_by_me,
        now=now,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=[CaseOut.of(case, now=now) for case in cases],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


def _reveal_contact(
    session: SessionDep, principal: Principal, case: Case, *, reveal: bool, reason: str | None
) -> bool:
    """Show the reporter's contact in full: a role with the ``case`` reveal right on the
    case's place, a reason, one audit entry (accounts.reveal). Elsewhere it stays masked."""
    if not reveal:
        return False
    record = Revealable("cases", case.id, case.territory_code)
    shown = do_reveal(session, principal, "case", [record], fields=CONTACT_FIELDS, reason=reason)
    return case.id in shown


@router.get(
    "/cases/{case_id}", response_model=CaseDetail, dependencies=[Depends(writes_when_revealing)]
)
def read_case(
    case_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    reveal: Annotated[bool, Query(description="show the reporter's contact in full")] = False,
    reason: ReasonQuery = None,
) -> CaseDetail:
    """The case, its timeline (every step: who, when, at which level) and its photos."""
    case = access_case(session, case_id, principal)
    shown = _reveal_contact(session, principal, case, reveal=reveal, reason=reason)
    return CaseDetail.of_case(
        case, case_timeline(session, case.id), case_photos(session, case.id), reveal_contact=shown
    )


@router.get("/cases/{case_id}/duplicates", response_model=Page[DuplicateOut])
def list_case_duplicates(
    case_id: str, session: SessionDep, paging: PagingDep, principal: PrincipalDep
) -> Page[DuplicateOut]:
    """Open cases of the same category within 100 m reported in the last 14 days, nearest
    first (only those the caller may read)."""
    case = access_case(session, case_id, principal)
    visible = _readable_duplicates(session, principal, case)
    page = visible[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[DuplicateOut.of(d) for d in page],
        total=len(visible),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/cases/{case_id}/photos", response_model=PhotoOut, status_code=201)
def add_case_photo(
    case_id: str,
    file: UploadFile,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
    kind: Annotated[str, Form(description="report, or after (the resolution's proof)")] = "report",
) -> PhotoOut:
    """Add a JPEG, PNG or WebP photo (multipart ``file``). Report photos: the reporter or a
    handler in reach; after-photos: a handler in reach (``case`` update)."""
    case = access_case(session, case_id, principal)
    is_reporter = case.reporter_user_id == principal.user_id
    may_update = allows(principal, "update", "case", case.territory_code)
    if not may_update and not (kind == "report" and is_reporter):
        raise PermissionDenied(
            Message("only the reporter or a handler of this case may add photos")
        )
    settings = _settings(request)
    data = file.file.read(settings.max_photo_bytes + 1)
    photo = check_add_photo(
        session,
        case,
        data=data,
        kind=kind,
        data_dir=settings.data_dir,
        max_bytes=settings.max_photo_bytes,
        actor=actor,
    )
    return PhotoOut.of(photo)


@router.get(
    "/cases/{case_id}/photos/{photo_id}",
    response_class=FileResponse,
    responses=file_answer(*(media_type for media_type, _ext in IMAGE_FORMATS.values())),
)
def read_case_photo(
    case_id: str, photo_id: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> FileResponse:
    """The photo's bytes (same access as the case)."""
    case = access_case(session, case_id, principal)
    photo, path = photo_file(session, case, photo_id, data_dir=_settings(request).data_dir)
    return FileResponse(path, media_type=photo.content_type)
