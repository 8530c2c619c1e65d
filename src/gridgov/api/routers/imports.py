"""/api/v1/imports: households and residents uploaded as CSV or XLSX, all or nothing.

Only inside the caller's territory: a row outside it is a bad row (so the file is refused).
Exports are in :mod:`gridgov.api.routers.exports`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel

from gridgov.access.checks import require
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.security import ActorDep
from gridgov.registry.importing import (
    import_households,
    import_residents,
    read_table_bytes,
)

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
