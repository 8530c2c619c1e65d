"""The contact pages: /contacts (a party member's households, who is due and why; a
leader's due contacts), /contacts/coverage/{code} (coverage by grid, on the map and in a
table), /contacts/assignments (who looks after whom, with hand changes and a run), and
/contacts/cards.pdf?territory=CODE (the printable contact cards, one A6 page a household).

Reads and writes go through gridgov.contacts (due.due_list, report.contact_report,
queries.list_assignments, assigning.check_pin_assignment / check_run_assignment), with the
caller's principal: the same rules as the API.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.checks import reach_territory, require_target
from gridgov.access.policy import allows, scope_filter
from gridgov.access.principal import Principal
from gridgov.access.roles import LEADS
from gridgov.contacts import assigning, due, queries
from gridgov.contacts.card_data import contact_cards
from gridgov.contacts.cards import render_cards
from gridgov.contacts.models import ContactAssignment, ContactState, PartyMember
from gridgov.contacts.report import contact_report
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory
from gridgov.territory.scope import within
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.contact_labels import LABELS
from gridgov.web.errors import redirect
from gridgov.web.forms import FormDep
from gridgov.web.maps import map_settings
from gridgov.web.nav import home_code
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import page_router

router = page_router()
LIST_SIZE = 200
COVERAGE_DAYS = 90
VILLAGE = CODE_LENGTH["village"]


def _territory(request: Request, principal: Principal) -> str:
    """The node a page is about: ``?territory=``, else a member's village, else the
    caller's widest node."""
    wanted = request.query_params.get("territory", "").strip()
    if wanted:
        return wanted
    if principal.contact_codes:
        return min(principal.contact_codes)[:VILLAGE]
    code = home_code(principal) or principal.household_code
    if code is None:
        raise NotFound("no territory to show")
    return code


def _households(session: Session, ids: list[str]) -> dict[str, Household]:
    if not ids:
        return {}
    return {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(ids)))}


@dataclass
class Rhythm:
    """A household's regular contact: its last visit, the next due day, how often."""

    last_visit: dt.date | None
    next_on: dt.date
    days: int
    key_group: bool


def _rhythms(session: Session, links: list[ContactAssignment]) -> dict[str, Rhythm]:
    """The rhythm of each linked household, as the contact state keeps it (contacts.state:
    last visit, days between visits, next due day), and whether a present resident is in
    a key group (a page's worth: two queries)."""
    ids = [link.household_id for link in links]
    if not ids:
        return {}
    states = session.scalars(
        select(ContactState).where(
            ContactState.household_id.in_(ids), ContactState.next_due_on.is_not(None)
        )
    ).all()
    keyed = set(
        session.scalars(
            select(Resident.household_id)
            .join(ResidentKeyGroup, ResidentKeyGroup.resident_id == Resident.id)
            .where(Resident.household_id.in_(ids), Resident.residence_status.in_(due.PRESENT))
        )
    )
    return {
        state.household_id: Rhythm(
            last_visit=state.last_visit_on,
            next_on=state.next_due_on,
            days=state.rhythm_days,
            key_group=state.household_id in keyed,
        )
        for state in states
        if state.next_due_on is not None
    }


@router.get("/contacts")
def my_contacts(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    """The households in the caller's reach with their member, due ones first, and why."""
    principal = caller.principal
    territory = _territory(request, principal)
    links, total = queries.list_assignments(
        session, principal=principal, territory=territory, limit=LIST_SIZE, offset=0
    )
    found = due.due_list(
        session,
        territory=territory,
        day=clock.today(),
        principal=principal,
        limit=LIST_SIZE,
        offset=0,
    )
    due_of: dict[str, list[due.DueItem]] = {}
    for item in found.items:
        due_of.setdefault(item.household_id, []).append(item)
    households = _households(session, [link.household_id for link, *_ in links])
    rhythm_of = _rhythms(session, [link for link, *_ in links])
    rows = [
        {
            "link": link,
            "household": households.get(link.household_id),
            "member": name,
            "due": due_of.get(link.household_id, []),
            "rhythm": rhythm_of.get(link.household_id),
        }
        for link, _code, _no, name in links
    ]
    rows.sort(key=lambda row: (not row["due"], not any(i.overdue for i in row["due"])))
    context = {
        "rows": rows,
        "total": total,
        "territory": territory,
        "due_total": found.total,
        "is_member": bool(principal.contact_household_ids),
        # a member alone reads their own households: their own name on each row says nothing
        "show_member": not principal.contact_household_ids or bool(principal.roles & set(LEADS)),
        **LABELS,
    }
    return render(request, "contacts/households.html", context)


def _coverage_values(report: Any) -> str:
    """The map's values by grid code: name, the share contacted in 90 days, the link."""
    values = {}
    for child in report.children:
        households = child.figures["households"]
        share = child.figures["contacted_90d"] / households if households else None
        values[child.code] = {
            "name": child.name,
            "share": share,
            "href": f"/contacts/coverage/{child.code}",
        }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


@router.get("/contacts/coverage/{code}")
def coverage(request: Request, code: str, session: SessionDep, caller: CallerDep) -> Response:
    """Coverage of ``code`` by child node (grids of a village): table and map."""
    end = clock.today()
    report = contact_report(
        session,
        territory_code=code,
        start=end - dt.timedelta(days=COVERAGE_DAYS - 1),
        end=end,
        principal=caller.principal,
    )
    context = {
        "report": report,
        "code": code,
        "map": map_settings(request),
        "map_values": _coverage_values(report),
        **LABELS,
    }
    return render(request, "contacts/coverage.html", context)


GRID = CODE_LENGTH["grid"]


def _members(session: Session, territory: str) -> list[tuple[str, str, str]]:
    """Current members under ``territory``'s village, as (id, name, grid code)."""
    village = territory[:VILLAGE]
    rows = session.execute(
        select(PartyMember.id, Resident.name, PartyMember.territory_code)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(PartyMember.ended_on.is_(None), PartyMember.territory_code.startswith(village))
        .order_by(Resident.name, PartyMember.id)
    ).all()
    return [(row.id, row.name, row.territory_code[:GRID]) for row in rows]


def _child_nodes(session: Session, territory: str) -> list[Territory]:
    """The active child nodes of a village or a town (its grids or villages): the page
    lists one place at a time below them."""
    if len(territory) >= GRID:
        return []
    return list(
        session.scalars(
            select(Territory)
            .where(Territory.parent_code == territory, Territory.status == "active")
            .order_by(Territory.code)
        )
    )


def _assignments(
    request: Request,
    session: Session,
    caller: PageCaller,
    *,
    errors: dict[str, Any] | None = None,
    result: Any = None,
    status: int = 200,
) -> Response:
    """The links of one place. A row offers the members of the household's own grid (and
    its current and suggested members); one form below offers every member of the
    village, so that a page of a grid stays small on a phone."""
    territory = _territory(request, caller.principal)
    links, total = queries.list_assignments(
        session, principal=caller.principal, territory=territory, limit=LIST_SIZE, offset=0
    )
    households = _households(session, [link.household_id for link, *_ in links])
    members = _members(session, territory)
    by_grid: dict[str, list[tuple[str, str]]] = {}
    for member_id, name, grid in members:
        by_grid.setdefault(grid, []).append((member_id, name))
    grids = dict(
        session.execute(
            select(Territory.code, Territory.name_zh).where(
                Territory.code.in_({grid for *_, grid in members})
            )
        ).all()
    )
    suggested = (
        {item.household_id: item.suggested_member_ids for item in result.unassigned}
        if result
        else {}
    )
    without = _without_member(session, caller.principal, territory)
    context = {
        "without": without,
        "suggested": suggested,
        "links": links,
        "households": households,
        "total": total,
        "territory": territory,
        "members": [(member_id, name, grids.get(grid, grid)) for member_id, name, grid in members],
        "members_by_grid": by_grid,
        "member_names": {member_id: name for member_id, name, _ in members},
        "places": _child_nodes(session, territory),
        "can_run": len(territory) in (VILLAGE, CODE_LENGTH["town"])
        and allows(caller.principal, "create", "contact", territory),
        "per_grid_cards": len(territory) >= GRID,
        "errors": errors or {},
        "result": result,
        **LABELS,
    }
    return render(request, "contacts/assignments.html", context, status=status)


def _without_member(session: Session, principal: Principal, territory: str) -> list[Household]:
    """Active households under ``territory`` in the caller's reach with no current member."""
    linked = select(ContactAssignment.household_id).where(ContactAssignment.ended_at.is_(None))
    return list(
        session.scalars(
            select(Household)
            .where(
                within(Household.territory_code, territory),
                Household.status == "active",
                Household.id.not_in(linked),
                scope_filter(
                    principal,
                    "read",
                    "contact",
                    Household.territory_code,
                    household_column=Household.id,
                ),
            )
            .order_by(Household.territory_code, Household.household_no)
            .limit(LIST_SIZE)
        )
    )


@router.get("/contacts/assignments")
def assignments(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    return _assignments(request, session, caller)


@router.post("/contacts/assignments")
def pin_assignment(
    request: Request, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """A hand change: this member looks after this household from today (pinned)."""
    household_id, member_id = str(form.get("household_id", "")), str(form.get("member_id", ""))
    household = session.get(Household, household_id)
    if household is None or not allows(
        caller.principal, "update", "contact", household.territory_code, household_id=household.id
    ):
        raise NotFound("no household has this id")
    try:
        with session.begin_nested():
            assigning.check_pin_assignment(
                session, household, member_id=member_id, actor=caller.actor
            )
    except (ValidationFailed, Conflict) as refused:  # an unknown member; their own household
        errors = dict(refused.fields or {"form": refused.message})
        return _assignments(request, session, caller, errors=errors, status=refused.status)
    territory = request.query_params.get("territory", "")
    return redirect(
        request, "/contacts/assignments" + (f"?territory={territory}" if territory else "")
    )


@router.post("/contacts/assignments/run")
def run_assignment(
    request: Request, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Run the assignment for the village (links that follow the rules and pins stay)."""
    territory = str(form.get("territory", "")).strip()
    require_target(caller.principal, "create", "contact", territory, field="territory")
    reach_territory(session, caller.principal, "create", "contact", territory)
    try:
        with session.begin_nested():
            result = assigning.check_run_assignment(
                session,
                territory_code=territory,
                capacity=assigning.DEFAULT_CAPACITY,
                dry_run=False,
                actor=caller.actor,
            )
    except ValidationFailed as refused:
        errors = dict(refused.fields or {"form": refused.message})
        return _assignments(request, session, caller, errors=errors, status=422)
    return _assignments(request, session, caller, result=result)


@router.get("/contacts/cards.pdf")
def cards_pdf(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    """The contact cards of the households under ``?territory=`` (a grid: one PDF per grid)."""
    territory = _territory(request, caller.principal)
    cards = contact_cards(
        session, territory_code=territory, principal=caller.principal, issued=clock.today()
    )
    title = session.scalar(select(Territory.name_zh).where(Territory.code == territory))
    pdf = render_cards(cards, title=title or territory, language=page_language(request, caller))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="contact-cards-{territory}.pdf"'},
    )
