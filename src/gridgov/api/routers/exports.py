"""/api/v1/exports: households and residents as CSV or XLSX files, personal fields masked.

Only inside the caller's territory: an export of a node out of reach answers 404 like a
missing node, and the rows are filtered by the caller's scope in SQL. The header follows
``Accept-Language`` (the columns' codes in English, the default; their Chinese names in
zh-CN): the importer reads either."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gridgov.access.checks import reach_territory, require
from gridgov.accounts.principal import Principal
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.http.language import ApiLanguageDep
from gridgov.registry.exporting import MEDIA_TYPES, export_table

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
    require(principal, "read", "import_export")
    reach_territory(session, principal, "read", "import_export", territory)
    buffer = io.BytesIO()
    export_table(
        session,
        kind,
        buffer,
        territory=territory,
        file_format=file_format,
        principal=principal,
        language=language,
    )
    filename = f"{kind}-{territory}.{file_format}"
    return Response(
        content=buffer.getvalue(),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/exports/households.csv", response_class=Response)
def export_households_csv(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryQuery,
    language: ApiLanguageDep,
) -> Response:
    return _export(session, principal, "households", "csv", territory, language)


@router.get("/exports/households.xlsx", response_class=Response)
def export_households_xlsx(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryQuery,
    language: ApiLanguageDep,
) -> Response:
    return _export(session, principal, "households", "xlsx", territory, language)


@router.get("/exports/residents.csv", response_class=Response)
def export_residents_csv(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryQuery,
    language: ApiLanguageDep,
) -> Response:
    """Residents under ``territory``; ID numbers and phones masked."""
    return _export(session, principal, "residents", "csv", territory, language)


@router.get("/exports/residents.xlsx", response_class=Response)
def export_residents_xlsx(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryQuery,
    language: ApiLanguageDep,
) -> Response:
    """Residents under ``territory``; ID numbers and phones masked."""
    return _export(session, principal, "residents", "xlsx", territory, language)
