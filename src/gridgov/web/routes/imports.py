"""/imports: upload a households or residents file (CSV or XLSX) as the API's import does:
all or nothing, only inside the caller's territory. A rejected file shows every bad row as
a table (line, field, reason) and nothing is stored; an accepted one a summary. The export
links download the caller's part of the register (``/exports/{kind}.{format}``, personal
fields masked), through the API's own export."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from gridgov.access.checks import require
from gridgov.access.policy import allows, may
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, PermissionDenied, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.registry.exporting import KINDS, MEDIA_TYPES, export_for
from gridgov.registry.importing import ImportRejected, import_households, import_residents
from gridgov.registry.spreadsheets import read_table_bytes
from gridgov.territory.models import Territory
from gridgov.territory.queries import nodes_by_code, roots
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.forms import FormDep
from gridgov.web.labels import LEVEL_LABELS
from gridgov.web.registry_labels import REGISTRY_LABELS
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import page_router

router = page_router()

IMPORTERS = {"households": import_households, "residents": import_residents}


def _export_nodes(session: SessionDep, principal: Principal) -> list[Territory]:
    """Where the caller may export: the nodes of their scopes that allow it."""
    if not may(principal, "read", "import_export"):
        return []
    codes = sorted(
        {
            scope.territory_code
            for scope in principal.scopes
            if scope.territory_code
            and allows(principal, "read", "import_export", scope.territory_code)
        }
    )
    if any(s.territory_code is None for s in principal.scopes if s.role == "administrator"):
        return roots(session)
    return nodes_by_code(session, codes)


def _page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    *,
    kind: str = "households",
    errors: dict[str, str] | None = None,
    rows: list[Any] | None = None,
    imported: Any = None,
    status: int = 200,
) -> Response:
    principal = caller.principal
    context = {
        "may_import": may(principal, "create", "import_export"),
        "export_nodes": _export_nodes(session, principal),
        "kinds": KINDS,
        "formats": tuple(MEDIA_TYPES),
        "kind": kind,
        "errors": errors or {},
        "bad_rows": rows or [],
        "imported": imported,
        "LEVEL_LABELS": LEVEL_LABELS,
        **REGISTRY_LABELS,
    }
    return render(request, "registry/imports.html", context, status=status)


def _require_some(principal: Principal) -> None:
    """The page is for a role that may import or export (else the 403 page)."""
    if not (may(principal, "create", "import_export") or may(principal, "read", "import_export")):
        raise PermissionDenied("your roles may not import or export the register")


@router.get("/imports")
def imports_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    _require_some(caller.principal)
    return _page(request, session, caller)


@router.post("/imports")
def upload(request: Request, session: SessionDep, caller: CallerDep, form: FormDep) -> Response:
    principal = caller.principal
    require(principal, "create", "import_export")
    kind = form.get("kind")
    upload = form.get("file")
    shown_kind = kind if kind in IMPORTERS else "households"
    try:
        if not isinstance(kind, str) or kind not in IMPORTERS:
            raise ValidationFailed.field("kind", f"one of {', '.join(IMPORTERS)}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed.field("file", "choose a .csv or .xlsx file")
        rows = read_table_bytes(upload.file.read(), upload.filename)
        with session.begin_nested():
            report = IMPORTERS[kind](session, rows, actor=caller.actor, principal=principal)
    except ImportRejected as rejected:
        return _page(
            request, session, caller, kind=shown_kind,
            errors=rejected.fields, rows=rejected.errors, status=422,
        )  # fmt: skip
    except ValidationFailed as refused:
        return _page(request, session, caller, kind=shown_kind, errors=refused.fields, status=422)
    return _page(request, session, caller, kind=kind, imported=report)


@router.get("/exports/{kind}.{file_format}")
def export(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    kind: str,
    file_format: str,
    territory: str = "",
) -> Response:
    """The API's export, for a signed-in page user (a cookie is no API credential), its
    column headers in the page's language."""
    if kind not in KINDS or file_format not in MEDIA_TYPES:
        raise NotFound(f"no export {kind}.{file_format}")
    if not territory:
        raise ValidationFailed.field("territory", "name the node to export")
    exported = export_for(
        session,
        caller.principal,
        kind,
        file_format,
        territory,
        language=page_language(request, caller),
    )
    return Response(
        content=exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
