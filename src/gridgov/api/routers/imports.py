"""/api/v1/imports (multipart upload, all or nothing) and /api/v1/exports (masked files).

Both only inside the caller's territory: an import row outside it is a bad row (so the
file is refused), an export of a node out of reach answers 404 like a missing node, and
the export's rows are filtered by the caller's scope in SQL."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from gridgov.access.checks import require, require_target
from gridgov.access.principal import Principal
from gridgov.api.deps import ActorDep, SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.registry.exporting import MEDIA_TYPES, export_table
from gridgov.registry.importing import (
    import_households,
    import_residents,
    read_table_bytes,
)
from gridgov.territory.scope import clean_territory_filter

router = APIRouter(tags=["imports"])

REJECTED_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Nothing was imported; `error.rows` lists every bad row "
        "as `{line, field, reason}` (the header is line 1)."
    }
}


class ImportResult(BaseModel):
    kind: str
    rows: int


@router.post(
    "/imports/households",
    status_code=201,
    response_model=ImportResult,
    responses=REJECTED_RESPONSE,
)
def upload_households(
    file: UploadFile, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> Any:
    """Import households from a .csv or .xlsx file (columns as the households API's fields)."""
    require(principal, "create", "import_export")
    rows = read_table_bytes(file.file.read(), file.filename or "")
    report = import_households(session, rows, actor=actor, principal=principal)
    return ImportResult(kind=report.kind, rows=report.rows)


@router.post(
    "/imports/residents",
    status_code=201,
    response_model=ImportResult,
    responses=REJECTED_RESPONSE,
)
def upload_residents(
    file: UploadFile, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> Any:
    """Import residents of existing households (named by village_code + household_no)."""
    require(principal, "create", "import_export")
    rows = read_table_bytes(file.file.read(), file.filename or "")
    report = import_residents(session, rows, actor=actor, principal=principal)
    return ImportResult(kind=report.kind, rows=report.rows)


TerritoryQuery = Annotated[str, Query(description="export this node and everything under it")]


def _export(
    session: SessionDep, principal: Principal, kind: str, file_format: str, territory: str
) -> Response:
    clean_territory_filter(territory)
    require_target(principal, "read", "import_export", territory, field="territory")
    buffer = io.BytesIO()
    export_table(
        session,
        kind,
        buffer,
        territory=territory,
        file_format=file_format,
        principal=principal,
    )
    filename = f"{kind}-{territory}.{file_format}"
    return Response(
        content=buffer.getvalue(),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/exports/households.csv", response_class=Response)
def export_households_csv(
    session: SessionDep, principal: PrincipalDep, territory: TerritoryQuery
) -> Response:
    return _export(session, principal, "households", "csv", territory)


@router.get("/exports/households.xlsx", response_class=Response)
def export_households_xlsx(
    session: SessionDep, principal: PrincipalDep, territory: TerritoryQuery
) -> Response:
    return _export(session, principal, "households", "xlsx", territory)


@router.get("/exports/residents.csv", response_class=Response)
def export_residents_csv(
    session: SessionDep, principal: PrincipalDep, territory: TerritoryQuery
) -> Response:
    """Residents under ``territory``; ID numbers and phones masked."""
    return _export(session, principal, "residents", "csv", territory)


@router.get("/exports/residents.xlsx", response_class=Response)
def export_residents_xlsx(
    session: SessionDep, principal: PrincipalDep, territory: TerritoryQuery
) -> Response:
    """Residents under ``territory``; ID numbers and phones masked."""
    return _export(session, principal, "residents", "xlsx", territory)
