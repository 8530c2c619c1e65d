"""The shelters page: /shelters lists the shelters the caller may see with arrivals and
free places; a village secretary or town official adds one and changes its capacity and
keeper (the emergency package's shelters actions, with the caller's Principal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.policy import allows, may, scope_filter
from gridgov.accounts.models import RoleAssignment, User
from gridgov.emergency import shelters
from gridgov.emergency.schemas import ShelterCreate, ShelterUpdate
from gridgov.errors import DomainError
from gridgov.http.sessions import SessionDep
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.forms import FormDep, form_values, parse_form, save_or_show
from gridgov.web.rendering import page_language, render
from gridgov.web.routes.groups import is_htmx
from gridgov.web.routes.roll_calls import LIST_SIZE, MAX_VILLAGES, Place, place_names
from gridgov.web.routing import page_router

router = page_router()

KEEPER_ROLES = ("village_secretary", "grid_leader", "unit_leader")


@dataclass(frozen=True)
class Keeper:
    user_id: str
    label: str
    village_code: str


def _shelter_villages(session: Session, caller: PageCaller, language: str) -> list[Place]:
    """The active villages the caller may add a shelter to, by name."""
    if not may(caller.principal, "create", "shelter"):
        return []
    codes = list(
        session.scalars(
            select(Territory.code)
            .where(
                Territory.level == "village",
                Territory.status == "active",
                scope_filter(caller.principal, "create", "shelter", Territory.code),
            )
            .order_by(Territory.code)
            .limit(MAX_VILLAGES)
        )
    )
    names = place_names(session, codes, language)
    return [Place(code, names.get(code) or code) for code in codes]


def _keepers(session: Session, villages: list[str]) -> list[Keeper]:
    """Who may keep a shelter: the users holding a leader's post in its village today."""
    if not villages:
        return []
    village = func.substr(RoleAssignment.territory_code, 1, CODE_LENGTH["village"])
    rows = session.execute(
        select(User.id, User.display_name, User.username, village)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role.in_(KEEPER_ROLES),
            village.in_(villages),
            User.is_active.is_(True),
            *RoleAssignment.in_force(clock.today()),
        )
        .distinct()
        .order_by(village, User.username)
    ).all()
    return [Keeper(uid, name or username, code) for uid, name, username, code in rows]


def _shelters_page(
    request: Request,
    session: Session,
    caller: PageCaller,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    editing: str | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request, caller)
    loads, total = shelters.list_shelters(
        session, territory=None, principal=caller.principal, limit=LIST_SIZE, offset=0
    )
    villages = _shelter_villages(session, caller, language)
    editable = {
        load.shelter.id
        for load in loads
        if allows(caller.principal, "update", "shelter", load.shelter.village_code)
    }
    shown = {load.shelter.village_code for load in loads} | {v.code for v in villages}
    keepers = _keepers(session, sorted(shown))
    names = place_names(session, sorted(shown), language)
    kept = {load.shelter.keeper_user_id for load in loads if load.shelter.keeper_user_id}
    keeper_names = {
        uid: name or username
        for uid, name, username in session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(kept))
        )
    }
    context = {
        "shelters": loads,
        "total": total,
        "is_htmx": is_htmx(request),
        "villages": villages,
        "village_names": names,
        "keepers": keepers,
        "keeper_names": keeper_names,
        "editable": editable,
        "editing": editing,
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "rollcalls/shelters.html", context, status=status)


@router.get("/shelters")
def shelters_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    """The shelters the caller may see, with arrivals and free places; for a village
    secretary or town official, the form adding one and each one's capacity and keeper."""
    return _shelters_page(request, session, caller)


def _shelter_form_again(
    request: Request,
    session: Session,
    caller: PageCaller,
    values: dict[str, object],
    *,
    editing: str | None = None,
) -> Callable[[DomainError], Response]:
    """The shelters page again with the form's values and each bad field named (its
    status the refusal's: 422, or 404 for a keeper or village out of reach)."""

    def again(refused: DomainError) -> Response:
        errors = dict(refused.fields or {"form": refused.message})
        return _shelters_page(
            request,
            session,
            caller,
            values=values,
            errors=errors,
            editing=editing,
            status=refused.status,
        )

    return again


@router.post("/shelters")
def create_shelter(
    request: Request, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Add a shelter (the API's rules), or the form again with each bad field named (4xx)."""
    values = form_values(form)

    def save() -> None:
        body = parse_form(ShelterCreate, values)
        shelters.check_create_shelter(
            session, **body.model_dump(), principal=caller.principal, actor=caller.actor
        )

    again = _shelter_form_again(request, session, caller, values)
    return save_or_show(
        request, session, save, done_url="/shelters", refused=again, not_found=again
    )


@router.post("/shelters/{shelter_id}")
def update_shelter(
    request: Request, shelter_id: str, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Change a shelter's capacity and keeper, or its form again naming the bad field."""
    values = form_values(form)

    def save() -> None:
        body = parse_form(ShelterUpdate, values)
        shelters.check_update_shelter(
            session,
            shelter_id,
            capacity=body.capacity,
            keeper_user_id=body.keeper_user_id,
            principal=caller.principal,
            actor=caller.actor,
        )

    return save_or_show(
        request,
        session,
        save,
        done_url=f"/shelters#shelter-{shelter_id}",
        refused=_shelter_form_again(request, session, caller, values, editing=shelter_id),
    )
