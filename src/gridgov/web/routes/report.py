"""/report: a case reported from a phone in three steps (category, photo and description,
place), then a confirmation page; /my-reports: the caller's reports, with the rating form
for the resolved ones.

The form posts to the API's own intake (``cases.intake.check_report_case``, channel
``api``) with an idempotency key: the form carries a fresh key, and the offline queue
(static/js/report-queue.js) sends a stored draft with its ``Idempotency-Key`` header, so
a form sent twice, or a draft retried after a lost answer, makes ONE case. The photo is
stored by ``cases.photos.check_add_photo``.
"""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import Form, Request, UploadFile
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.cases.categories import list_categories
from gridgov.cases.intake import MAX_DESCRIPTION, check_report_case
from gridgov.cases.models import CaseCategory
from gridgov.cases.photos import check_add_photo
from gridgov.cases.queries import access_case, list_cases
from gridgov.errors import ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.queries import list_territories
from gridgov.web.auth import CallerDep
from gridgov.web.case_labels import problems_of
from gridgov.web.errors import redirect
from gridgov.web.nav import home_code
from gridgov.web.rendering import page_language, render
from gridgov.web.routes.cases import LABELS, category_names
from gridgov.web.routing import page_router

router = page_router()
# The intake's channel: the pages are the platform's own client, as the API is (the
# channels table has no "web" of its own yet).
CHANNEL = "api"
PAGE_SIZE = 20
# Top-level categories with an icon of their own (static/icons/categories/<code>.svg).
ICONS = ("dispute", "sanitation", "facility", "safety", "welfare", "policy", "utilities", "land")
MAX_KEY = 128


def _groups(categories: list[CaseCategory], language: str) -> list[dict[str, Any]]:
    """The active categories as the picker shows them: each top-level one with its
    children."""
    zh = language.startswith("zh")
    groups: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, Any]] = {}
    for category in categories:
        item: dict[str, Any] = {
            "code": category.code,
            "name": category.name_zh if zh else category.name_en,
        }
        if category.parent_code is None:
            icon = category.code if category.code in ICONS else "other"
            group: dict[str, Any] = {**item, "icon": icon, "children": []}
            by_code[category.code] = group
            groups.append(group)
        elif category.parent_code in by_code:
            by_code[category.parent_code]["children"].append(item)
    return groups


def _map_areas(session: Session, principal: Principal) -> str:
    """The outlines the place step's map shows (GeoJSON geometries): the caller's village
    and its grids (the village of their household, else of their widest scope)."""
    code = principal.household_code or home_code(principal)
    if code is None:
        return "[]"
    village = code[: CODE_LENGTH["village"]] if len(code) >= CODE_LENGTH["village"] else code
    nodes, _total = list_territories(session, territory=village, limit=200)
    shapes = [
        node.boundary
        for node in nodes
        if node.boundary and node.level in ("town", "village", "grid", "unit")
    ]
    return json.dumps(shapes, separators=(",", ":"))


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    values = dict(values or {})
    values.setdefault("idempotency_key", secrets.token_hex(16))
    context = {
        "groups": _groups(list_categories(session), language),
        "areas": _map_areas(session, principal),
        "has_household": principal.household_code is not None,
        "values": values,
        "errors": errors or {},
        "max_description": MAX_DESCRIPTION,
    }
    return render(request, "cases/report.html", context, status=status)


@router.get("/report")
def report_form(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    return _form(request, session, caller.principal)


def _point(where: str, lon: str, lat: str) -> tuple[float | None, float | None]:
    if where == "household":
        return None, None
    if where != "point":
        raise ValidationFailed.field("location", "choose a point or your household")
    try:
        return float(lon), float(lat)
    except ValueError:
        raise ValidationFailed.field("lon", "tap the map or use your location") from None


@router.post("/report")
def send_report(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    category_code: Annotated[str, Form(max_length=32)] = "",
    description: Annotated[str, Form(max_length=4 * MAX_DESCRIPTION)] = "",
    where: Annotated[str, Form(max_length=16)] = "",
    lon: Annotated[str, Form(max_length=32)] = "",
    lat: Annotated[str, Form(max_length=32)] = "",
    idempotency_key: Annotated[str, Form(max_length=MAX_KEY)] = "",
    photo: UploadFile | None = None,
) -> Response:
    """The report (201-like: to its confirmation page), or the form again naming the
    field (422). The ``Idempotency-Key`` header, when sent, wins over the form's key."""
    key = (request.headers.get("idempotency-key") or idempotency_key).strip()[:MAX_KEY]
    values = {
        "category_code": category_code,
        "description": description,
        "where": where,
        "lon": lon,
        "lat": lat,
        "idempotency_key": key,
    }
    settings = request.app.state.settings
    try:
        with session.begin_nested():
            point_lon, point_lat = _point(where, lon, lat)
            case, created = check_report_case(
                session,
                category_code=category_code,
                description=description,
                channel=CHANNEL,
                actor=caller.actor,
                reporter_user_id=caller.user.id,
                lon=point_lon,
                lat=point_lat,
                idempotency_owner=f"user:{caller.user.id}",
                idempotency_key=key or None,
                principal=caller.principal,
            )
            data = photo.file.read(settings.max_photo_bytes + 1) if photo is not None else b""
            if created and (data or (photo is not None and photo.filename)):
                check_add_photo(
                    session,
                    case,
                    data=data,
                    kind="report",
                    data_dir=settings.data_dir,
                    max_bytes=settings.max_photo_bytes,
                    actor=caller.actor,
                )
    except ValidationFailed as refused:
        errors = problems_of(refused.fields or {"location": refused.message})
        return _form(request, session, caller.principal, values=values, errors=errors, status=422)
    return redirect(request, f"/report/sent/{case.id}")


@router.get("/report/sent/{case_id}")
def report_sent(request: Request, case_id: str, session: SessionDep, caller: CallerDep) -> Response:
    case = access_case(session, case_id, caller.principal)
    categories = category_names(session, page_language(request, caller))
    context = {"case": case, "category": categories.get(case.category_code, ""), **LABELS}
    return render(request, "cases/sent.html", context)


@router.get("/my-reports")
def my_reports(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    try:
        offset = max(0, int(request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    cases, total = list_cases(
        session,
        principal=caller.principal,
        reported_by_me=True,
        limit=PAGE_SIZE,
        offset=offset,
    )
    context = {
        "cases": cases,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "now": clock.now(),
        "categories": category_names(session, page_language(request, caller)),
        "rated": request.query_params.get("done") == "rate",
        "errors": {},
        "values": {},
        "failed": False,
        **LABELS,
    }
    return render(request, "cases/my_reports.html", context)
