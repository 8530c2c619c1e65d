"""/cases: a handler's inbox (tabs: mine, my level, overdue, waiting for feedback), the case
page (timeline, photos, a map pin, and the workflow actions THIS caller may take, each a
form with the version check), its photos, and ``POST /cases/{id}/actions``.

Everything goes through the API's own pieces: ``access_case`` (out of reach = the not-found
page), ``available_actions_for`` (the workflow's RULES, as ``GET /api/v1/cases/{id}/actions``)
and ``check_transition`` (as ``POST /api/v1/cases/{id}/transitions``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.cases.actions import NOTE_REQUIRED, available_actions_for, check_transition
from gridgov.cases.categories import list_categories
from gridgov.cases.models import Case, CaseCategory
from gridgov.cases.photos import photo_file
from gridgov.cases.queries import INBOX_TABS, access_case, case_photos, case_timeline, inbox
from gridgov.errors import NotFound, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.i18n import N_
from gridgov.privacy import mask_phone
from gridgov.territory.queries import get_territory
from gridgov.web.auth import CallerDep
from gridgov.web.case_labels import ACTION_LABELS, EVENT_LABELS, NOTE_PROMPTS, problems_of
from gridgov.web.forms import save_or_show
from gridgov.web.labels import CASE_STATE_LABELS, LEVEL_LABELS
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import page_router, safe_next

router = page_router()
PAGE_SIZE = 20
TAB_LABELS = {
    "mine": N_("Mine"),
    "my_level": N_("At my level"),
    "overdue": N_("Overdue"),
    "waiting_for_feedback": N_("Waiting for feedback"),
}
# The pages' shared tables, for the case templates.
LABELS: dict[str, Any] = {
    "STATE_LABELS": CASE_STATE_LABELS,
    "LEVEL_LABELS": LEVEL_LABELS,
    "ACTION_LABELS": ACTION_LABELS,
    "EVENT_LABELS": EVENT_LABELS,
    "NOTE_PROMPTS": NOTE_PROMPTS,
    "TAB_LABELS": TAB_LABELS,
}


def category_names(session: Session, language: str) -> dict[str, str]:
    """Each category's name in the reader's language, by code."""
    categories: list[CaseCategory] = list_categories(session, include_inactive=True)
    zh = language.startswith("zh")
    return {c.code: (c.name_zh if zh else c.name_en) for c in categories}


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


@router.get("/cases")
def inbox_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    tab = request.query_params.get("tab", "my_level")
    if tab not in INBOX_TABS:
        raise ValidationFailed.field("tab", f"one of {', '.join(INBOX_TABS)}")
    offset = _int(request.query_params.get("offset"), 0)
    now = clock.now()
    cases = inbox(session, caller.principal, tab, now=now, limit=PAGE_SIZE, offset=offset)
    context = {
        "tab": tab,
        "tabs": INBOX_TABS,
        "cases": cases,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "now": now,
        "categories": category_names(session, page_language(request, caller)),
        **LABELS,
    }
    template = "cases/_inbox_list.html" if request.headers.get("hx-request") == "true" else None
    return render(request, template or "cases/inbox.html", context)


def _map_data(session: Session, case: Case) -> dict[str, Any]:
    """The pin (the reported point, else the node's centre) and the node's outline."""
    try:
        node = get_territory(session, case.territory_code)
    except NotFound:
        node = None
    lon, lat = case.lon, case.lat
    if (lon is None or lat is None) and node is not None:
        lon, lat = node.center_lon, node.center_lat
    outline = json.dumps(node.boundary) if node is not None and node.boundary else ""
    return {"pin": (lon, lat) if lon is not None and lat is not None else None, "outline": outline}


def case_context(
    request: Request, session: Session, case: Case, principal: Principal
) -> dict[str, Any]:
    """What the case page shows this caller."""
    return {
        "case": case,
        "timeline": case_timeline(session, case.id),
        "photos": case_photos(session, case.id),
        "actions": available_actions_for(session, case, principal),
        "note_required": NOTE_REQUIRED,
        "category": category_names(session, page_language(request)).get(
            case.category_code, case.category_code
        ),
        "map": _map_data(session, case),
        "now": clock.now(),
        "errors": {},
        "failed_action": None,
        "conflict": False,
        "values": {},
        "done": None,
        # A roll-call's help case: whom to call (the household head, the phone masked).
        "head_contact": (case.reporter_name, mask_phone(case.reporter_contact))
        if case.roll_call_id
        else None,
        **LABELS,
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, session: SessionDep, caller: CallerDep) -> Response:
    case = access_case(session, case_id, caller.principal)
    context = case_context(request, session, case, caller.principal)
    context["done"] = request.query_params.get("done")
    return render(request, "cases/page.html", context)


@router.post("/cases/{case_id}/actions")
def take_action(
    request: Request,
    case_id: str,
    session: SessionDep,
    caller: CallerDep,
    action: Annotated[str, Form(max_length=32)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=8000)] = "",
    rating: Annotated[str, Form(max_length=4)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
    duplicate_of: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """One workflow action, with the version the caller saw: a stale one shows the case
    again with the conflict message (409), a bad field the form with its message (422)."""
    case = access_case(session, case_id, caller.principal)
    values = {"note": note, "rating": rating, "comment": comment, "duplicate_of": duplicate_of}

    def save() -> None:
        check_transition(
            session,
            case,
            action=action,
            principal=caller.principal,
            actor=caller.actor,
            note=note,
            version=_version(version),
            rating=_rating(rating),
            comment=comment or None,
            duplicate_of_id=duplicate_of.strip() or None,
        )

    def again(status: int, **shown: Any) -> Response:
        session.refresh(case)
        context = case_context(request, session, case, caller.principal)
        context.update(failed_action=action, **shown)
        return render(request, "cases/page.html", context, status=status)

    target = safe_next(next) if next else f"/cases/{case.id}"
    return save_or_show(
        request,
        session,
        save,
        done_url=f"{target}{'&' if '?' in target else '?'}done={action}",
        conflict=lambda _conflict: again(409, conflict=True),
        refused=lambda refused: again(422, errors=problems_of(refused.fields), values=values),
    )


def _version(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed.field("version", "the case's version, a number") from None


def _rating(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed.field("rating", "a rating is 1 to 5") from None


@router.get("/cases/{case_id}/photos/{photo_id}")
def case_photo(
    request: Request, case_id: str, photo_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """A photo's bytes, with the case's access (as ``GET /api/v1/cases/{id}/photos/{pid}``)."""
    case = access_case(session, case_id, caller.principal)
    photo, path = photo_file(session, case, photo_id, data_dir=request.app.state.settings.data_dir)
    response = FileResponse(path, media_type=photo.content_type)
    response.headers["cache-control"] = "private, max-age=3600"
    return response
