"""/api/v1/exports: households and residents as CSV or XLSX files, personal fields masked.

Only inside the caller's territory: an export of a node out of reach answers 404 like a
missing node, and the rows are filtered by the caller's scope in SQL. The header follows
``Accept-Language`` (the columns' codes in English, the default; their Chinese names in
zh-CN): the importer reads either."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gridgov.accounts.principal import Principal
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.http.language import ApiLanguageDep
from gridgov.registry.exporting import MEDIA_TYPES, export_for

router = APIRouter(tags=["exports"])

TerritoryQuery = Annotated[str, Query(description="export this node and everything under it")]


def _export(
    session: SessionDep,
    principal: Principal,
    kind: str,
    file_format: str,
    territory: str,
    language: str,
) -> Response:
    exported = export_for(session, principal, kind, file_format, territory, language=language)
    return Response(
        content=exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


def _export_route(kind: str, file_format: str, doc: str | None = None) -> None:
    """Register ``GET /exports/<kind>.<file_format>`` (``export_<kind>_<file_format>``)."""

    def export(
        session: SessionDep,
        principal: PrincipalDep,
        territory: TerritoryQuery,
        language: ApiLanguageDep,
    ) -> Response:
        return _export(session, principal, kind, file_format, territory, language)

    export.__name__ = export.__qualname__ = f"export_{kind}_{file_format}"
    export.__doc__ = doc
    router.get(
        f"/exports/{kind}.{file_format}",
        response_class=Response,
        responses=file_answer(MEDIA_TYPES[file_format]),
    )(export)


RESIDENTS_DOC = "Residents under ``territory``; ID numbers and phones masked."
_export_route("households", "csv")
_export_route("households", "xlsx")
_export_route("residents", "csv", RESIDENTS_DOC)
_export_route("residents", "xlsx", RESIDENTS_DOC)
