"""The contact ledger's pages: /visits/new (the visit form, which works offline like the
report form), /visits (the visits the caller may see: a member's own, a household's), and
/visits/{id} with the household's confirmation and rating.

Offline: the form carries a fresh idempotency key; static/js/report-queue.js keeps a visit
made without a connection in IndexedDB and posts it when the connection returns, with the
key in ``Idempotency-Key``. The key is kept with the visit as the API keeps it
(gridgov.contacts.replay, owner ``user:<id>``): a draft posted twice finds the visit the
first post made, and two posts racing meet on the unique (owner, key) index. One key, one
visit. (Drafts queued before the key was kept made a visit whose id derives from the key:
:func:`visit_id_for` still finds those.)
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.cases.categories import list_categories
from gridgov.cases.models import Case
from gridgov.contacts import confirm, ledger, queries, replay
from gridgov.contacts.models import HAZARDS, METHODS, Visit
from gridgov.contacts.schemas import VisitConfirm, VisitCreate
from gridgov.errors import PermissionDenied, ValidationFailed
from gridgov.http.idempotency import idempotency_owner
from gridgov.http.sessions import SessionDep
from gridgov.registry.models import Household
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.contact_labels import LABELS
from gridgov.web.errors import redirect
from gridgov.web.forms import FormDep, form_values, parse_form, save_or_show
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import page_router

router = page_router()
MAX_KEY = 128
PAGE_SIZE = 20
MAX_CHOICES = 200  # households offered by the form's picker


def visit_id_for(user_id: str, key: str) -> str:
    """The id a user's idempotency key gave a visit before keys were kept with visits."""
    return hashlib.sha256(f"visit\x00{user_id}\x00{key}".encode()).hexdigest()[:32]


def _choices(session: Session, principal: Principal) -> list[dict[str, str]]:
    """The households the caller may record a visit of: their contact households."""
    ids = sorted(principal.contact_household_ids)[:MAX_CHOICES]
    if not ids:
        return []
    rows = session.query(Household).filter(Household.id.in_(ids)).all()
    return [
        {"id": h.id, "label": f"{h.household_no} {h.address}"}
        for h in sorted(rows, key=lambda h: h.household_no)
    ]


def _categories(session: Session, language: str) -> list[tuple[str, str]]:
    """The active case categories as (code, name), each group followed by its own."""
    zh = language.startswith("zh")
    found = list_categories(session)
    codes = {c.code for c in found}
    name = {c.code: (c.name_zh if zh else c.name_en) for c in found}
    rows: list[tuple[str, str]] = []
    for group in (c for c in found if c.parent_code is None or c.parent_code not in codes):
        rows.append((group.code, name[group.code]))
        rows.extend(
            (c.code, f"{name[group.code]} · {name[c.code]}")
            for c in found
            if c.parent_code == group.code
        )
    return rows


def _cases_of(values: dict[str, Any]) -> None:
    """The form's optional case (a category and what it is about) as the API's ``cases``:
    reported for the first household ticked, its description the visit's words if left
    empty."""
    category = str(values.pop("case_category", "") or "")
    description = str(values.pop("case_description", "") or "")
    if not category:
        return
    households = values.get("household_ids") or [""]
    values["cases"] = [
        {
            "category_code": category,
            "description": description or values.get("matters_text", ""),
            "household_id": households[0] if isinstance(households, list) else "",
        }
    ]


def _form(
    request: Request,
    session: Session,
    caller: PageCaller,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    values = dict(values or {})
    values.setdefault("idempotency_key", secrets.token_hex(16))
    values.setdefault("visited_on", clock.today().isoformat())
    values.setdefault("method", "home_visit")
    context = {
        "households": _choices(session, caller.principal),
        "values": values,
        "errors": errors or {},
        "methods": METHODS,
        "hazards": HAZARDS,
        "categories": _categories(session, page_language(request, caller)),
        **LABELS,
    }
    return render(request, "contacts/visit_form.html", context, status=status)


@router.get("/visits/new")
def visit_form(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    values = {}
    wanted = request.query_params.get("household", "")
    if wanted in caller.principal.contact_household_ids:
        values["household_ids"] = [wanted]
    return _form(request, session, caller, values=values)


@router.post("/visits/new")
def record_visit(
    request: Request, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Record the visit (then its page), or the form again naming the field (422)."""
    values = form_values(form, lists=("household_ids", "hazards"))
    key = str(request.headers.get("idempotency-key") or values.pop("idempotency_key", ""))
    key = key.strip()[:MAX_KEY] or secrets.token_hex(16)
    values.pop("idempotency_key", None)
    values["follow_up"] = "follow_up" in values
    shown = {**values, "idempotency_key": key}
    _cases_of(values)
    earlier = visit_id_for(caller.user.id, key)
    if session.get(Visit, earlier) is not None:
        return redirect(request, f"/visits/{earlier}")  # a draft queued before keys were kept
    try:
        with session.begin_nested():
            body = parse_form(VisitCreate, values)
            visit, _ = replay.check_record_visit_once(
                session,
                owner=idempotency_owner(caller.user.id),
                key=key,
                household_ids=body.household_ids,
                member_ids=body.member_ids,
                cases=[ledger.CaseRequest(**case.model_dump()) for case in body.cases],
                principal=caller.principal,
                actor=caller.actor,
                **body.model_dump(exclude={"household_ids", "member_ids", "cases"}),
            )
    except ValidationFailed as refused:
        errors = dict(refused.fields or {"form": refused.message})
        return _form(request, session, caller, values=shown, errors=errors, status=422)
    return redirect(request, f"/visits/{visit.id}")


@router.get("/visits")
def visit_list(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    """The visits the caller may see, newest first: a member's, their household's."""
    try:
        offset = max(0, int(request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    visits, total = queries.list_visits(
        session, principal=caller.principal, territory=None, limit=PAGE_SIZE, offset=offset
    )
    parts = queries.visit_parts(session, visits)
    ids = {row.household_id for part in parts.values() for row in part.households}
    households = {h.id: h for h in session.query(Household).filter(Household.id.in_(ids))}
    context = {
        "visits": visits,
        "waiting": {visit.id for visit in visits if _confirmable(session, visit, caller.principal)},
        "parts": parts,
        "households": households,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        **LABELS,
    }
    return render(request, "contacts/visits.html", context)


def _confirmable(session: Session, visit: Visit, principal: Principal) -> set[str]:
    """The households of ``visit`` the caller may confirm now (none for who made it)."""
    if confirm.made_it(session, visit, principal):
        return set()
    found = set()
    for row in queries.visit_parts(session, [visit])[visit.id].households:
        household = session.get(Household, row.household_id)
        if (
            row.confirmed_at is None
            and household
            and confirm.may_confirm(session, principal, household)
        ):
            found.add(row.household_id)
    return found


def visits_to_confirm(session: Session, principal: Principal) -> list[Visit]:
    """The latest unconfirmed visits the caller may confirm now (a household's resident,
    a unit leader for a household without an account), newest first."""
    try:
        visits, _ = queries.list_visits(
            session,
            principal=principal,
            territory=None,
            confirmed=False,
            limit=PAGE_SIZE,
            offset=0,
        )
    except PermissionDenied:  # a user with no role reads no visit
        return []
    return [visit for visit in visits if _confirmable(session, visit, principal)]


def _visit_page(
    request: Request,
    session: Session,
    caller: PageCaller,
    visit: Visit,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    parts = queries.visit_parts(session, [visit])[visit.id]
    ids = [row.household_id for row in parts.households]
    households = {h.id: h for h in session.query(Household).filter(Household.id.in_(ids))}
    context = {
        "visit": visit,
        "parts": parts,
        "households": households,
        "confirmable": _confirmable(session, visit, caller.principal),
        "own_household_id": caller.principal.household_id,
        "cases": [session.get(Case, case_id) for case_id in parts.case_ids],
        "confirmed": request.query_params.get("confirmed") == "1",
        "errors": errors or {},
        **LABELS,
    }
    return render(request, "contacts/visit.html", context, status=status)


@router.get("/visits/{visit_id}")
def visit_page(request: Request, visit_id: str, session: SessionDep, caller: CallerDep) -> Response:
    visit = queries.access_visit(session, visit_id, caller.principal)
    return _visit_page(request, session, caller, visit)


@router.post("/visits/{visit_id}/confirm")
def confirm_visit(
    request: Request, visit_id: str, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """The household confirms the visit, with a rating of its member (1-5, optional)."""
    visit = queries.access_visit(session, visit_id, caller.principal)

    def save() -> None:
        body = parse_form(VisitConfirm, form_values(form))
        confirm.check_confirm_visit(
            session,
            visit,
            household_id=body.household_id,
            rating=body.rating,
            principal=caller.principal,
            actor=caller.actor,
        )

    def again(refused: ValidationFailed) -> Response:
        errors = dict(refused.fields or {"form": refused.message})
        return _visit_page(request, session, caller, visit, errors=errors, status=422)

    return save_or_show(
        request, session, save, done_url=f"/visits/{visit.id}?confirmed=1", refused=again
    )
