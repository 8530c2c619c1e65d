"""/api/v1 chain replies (接龙): open a list in a group, add or edit one's line, read the
list in order, export it as CSV or XLSX. A list is as visible as its group (404 outside)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import Response

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.security import ActorDep
from gridgov.errors import NotFound
from gridgov.groups import chains
from gridgov.groups.actions import check_may_post
from gridgov.groups.chain_models import ChainList
from gridgov.groups.notice_schemas import ChainCreate, ChainEntryOut, ChainOut, ChainSign
from gridgov.groups.queries import access_group, membership
from gridgov.i18n import Message
from gridgov.registry.exporting import MEDIA_TYPES

TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "over the per-member message rate (a setting)"}
}
router = APIRouter(tags=["chain replies"])


def _user(session: SessionDep, user_id: str) -> User:
    user = session.get(User, user_id)
    assert user is not None  # the principal's own row
    return user


def _chain(session: SessionDep, chain_id: str, principal) -> ChainList:
    """The list if the caller may read its group, else the NotFound of a missing list."""
    chain = session.get(ChainList, chain_id)
    try:
        if chain is None:
            raise NotFound(Message("missing"))
        access_group(session, chain.group_id, principal)
    except NotFound:
        raise NotFound(Message("no chain list has id %(chain_id)s", chain_id=chain_id)) from None
    return chain


def _out(session: SessionDep, chain: ChainList) -> ChainOut:
    entries = chains.chain_entries(session, chain)
    return ChainOut.of(chain, entries, closed=clock.now() >= chain.closes_at)


@router.post("/groups/{group_id}/chains", status_code=status.HTTP_201_CREATED, responses=TOO_MANY)
def open_chain(
    group_id: str, body: ChainCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> ChainOut:
    """Open a list (title, optional fields, closing time) as a message of the group."""
    group = access_group(session, group_id, principal)
    check_may_post(session, group, principal=principal)
    chain = chains.check_open_chain(
        session,
        group,
        title=body.title,
        fields=body.fields,
        closes_at=body.closes_at,
        author=_user(session, principal.user_id),
        actor=actor,
    )
    return _out(session, chain)


@router.get("/chains/{chain_id}")
def get_chain(chain_id: str, session: SessionDep, principal: PrincipalDep) -> ChainOut:
    return _out(session, _chain(session, chain_id, principal))


@router.put("/chains/{chain_id}/entry")
def sign_chain(
    chain_id: str, body: ChainSign, session: SessionDep, principal: PrincipalDep
) -> ChainEntryOut:
    """Add the caller's line, or edit it (its place kept); 409 once the list closed."""
    chain = _chain(session, chain_id, principal)
    group = access_group(session, chain.group_id, principal)
    if membership(session, group, principal.user_id) is None:
        raise NotFound(Message("no chain list has id %(chain_id)s", chain_id=chain_id))
    entry = chains.check_sign_chain(
        session, chain, user=_user(session, principal.user_id), values=body.values
    )
    return ChainEntryOut.of(entry)


def _export(session: SessionDep, chain_id: str, principal, file_format: str) -> Response:
    chain = _chain(session, chain_id, principal)
    content = chains.export_chain(session, chain, file_format)
    return Response(
        content=content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="chain-{chain.id}.{file_format}"'},
    )


@router.get(
    "/chains/{chain_id}/export.csv",
    response_class=Response,
    responses=file_answer(MEDIA_TYPES["csv"]),
)
def export_chain_csv(chain_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The list as CSV (UTF-8 with a BOM; no cell is a live formula)."""
    return _export(session, chain_id, principal, "csv")


@router.get(
    "/chains/{chain_id}/export.xlsx",
    response_class=Response,
    responses=file_answer(MEDIA_TYPES["xlsx"]),
)
def export_chain_xlsx(chain_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The list as XLSX (every cell text or number, never a formula)."""
    return _export(session, chain_id, principal, "xlsx")
