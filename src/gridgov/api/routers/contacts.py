"""/api/v1 party members, contact assignments, the contact ledger (visits), due contacts
and the contacts report.

Membership is sensitive: the list shows leaders their subtree and a member their own
party group. A party member reads and writes the ledger of the households assigned to
them only (policy CONTACT); leaders read their subtree. Anything out of reach answers like
a missing one (404)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from sqlalchemy import select

from gridgov import clock
from gridgov.access.checks import reach_territory, require, require_target
from gridgov.access.policy import allows, scope_filter
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.contacts import (
    assigning,
    confirm,
    due,
    ledger,
    members,
    moments,
    party_groups,
    queries,
    replay,
)
from gridgov.contacts.exporting import MEDIA_TYPES as LEDGER_MEDIA
from gridgov.contacts.exporting import ledger_file
from gridgov.contacts.report import contact_report
from gridgov.contacts.schemas import (
    AssignmentOut,
    AssignmentPin,
    AssignmentRun,
    ContactReportOut,
    DueCounts,
    DueItemOut,
    DuePage,
    MemberEndOut,
    MustVisitCreate,
    MustVisitOut,
    PartyMemberCreate,
    PartyMemberEnd,
    PartyMemberOut,
    RunOut,
    VisitConfirm,
    VisitCreate,
    VisitEdit,
    VisitOut,
    VisitVersionOut,
)
from gridgov.errors import NotFound, ValidationFailed
from gridgov.http.idempotency import IdempotencyKey, idempotency_owner
from gridgov.http.language import ApiLanguageDep
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory
from gridgov.validation import Day

router = APIRouter(tags=["contacts"])
CURRENT = {"true": True, "false": False, "all": None}
TerritoryRequired = Annotated[str, Query(description="that node and everything under it")]


def _visit_out(session, visits) -> list[VisitOut]:
    parts = queries.visit_parts(session, visits)
    return [VisitOut.of(visit, parts[visit.id]) for visit in visits]


def _household(session, household_id: str, principal, action: str, resource: str) -> Household:
    """A household named in a body, in the caller's reach for ``action`` (else unknown)."""
    household = session.scalar(
        select(Household).where(
            Household.id == household_id,
            scope_filter(
                principal, action, resource, Household.territory_code, household_column=Household.id
            ),
        )
    )
    if household is None:  # out of reach answers exactly like missing
        raise ValidationFailed.field("household_id", Message("no household has this id"))
    return household


# --- party members ------------------------------------------------------------------------


@router.get("/party-members")
def list_party_members(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    current: Literal["true", "false", "all"] = "true",
) -> Page[PartyMemberOut]:
    require(principal, "read", "contact")
    if territory is not None:
        reach_territory(session, principal, "read", "contact", territory)
    rows, total = queries.list_party_members(
        session,
        principal=principal,
        territory=territory,
        current=CURRENT[current],
        limit=paging.limit,
        offset=paging.offset,
    )
    load = queries.member_loads(session, [member.id for member, _ in rows])
    items = [PartyMemberOut.of(member, name, load.get(member.id, 0)) for member, name in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/party-members", status_code=status.HTTP_201_CREATED)
def mark_party_member(
    body: PartyMemberCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PartyMemberOut:
    """Mark a resident as a party member (leaders, for residents of their subtree)."""
    require(principal, "create", "contact")
    resident = session.get(Resident, body.resident_id)
    code = resident.territory_code if resident is not None else "-"
    if resident is None or not allows(principal, "create", "contact", code):
        raise NotFound(  # out of reach answers exactly like missing
            Message("no resident has id %(id)s", id=body.resident_id),
            fields={"resident_id": Message("not found")},
        )
    member = members.check_mark_member(session, actor=actor, **body.model_dump())
    return PartyMemberOut.of(member, resident.name)


@router.post("/party-members/{member_id}/end")
def end_party_member(
    member_id: str,
    body: PartyMemberEnd,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> MemberEndOut:
    """End a membership; the member's households are listed to be reassigned."""
    require(principal, "retire", "contact")
    member = queries.access_member(session, member_id, principal)
    require_target(principal, "retire", "contact", member.territory_code, field="member_id")
    released = members.do_end_member(
        session, member, on=body.ended_on, reason=body.reason, actor=actor
    )
    name = session.scalar(select(Resident.name).where(Resident.id == member.resident_id)) or ""
    return MemberEndOut(member=PartyMemberOut.of(member, name), households_to_reassign=released)


# --- assignments --------------------------------------------------------------------------


@router.get("/contact-assignments")
def list_contact_assignments(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryRequired,
    current: Literal["true", "all"] = "true",
) -> Page[AssignmentOut]:
    require(principal, "read", "contact")
    rows, total = queries.list_assignments(
        session,
        principal=principal,
        territory=territory,
        current=current == "true",
        limit=paging.limit,
        offset=paging.offset,
    )
    items = [AssignmentOut.of(*row) for row in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/contact-assignments/run")
def run_contact_assignment(
    body: AssignmentRun, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> RunOut:
    """Assign the households of a village (or of each village of a town) to its members;
    links that still follow the rules and pinned ones are kept. ``dry_run`` writes nothing."""
    require_target(principal, "create", "contact", body.territory, field="territory")
    reach_territory(session, principal, "create", "contact", body.territory)
    result = assigning.check_run_assignment(
        session,
        territory_code=body.territory,
        capacity=body.capacity,
        dry_run=body.dry_run,
        actor=actor,
    )
    return RunOut.of(result)


@router.post("/contact-assignments", status_code=status.HTTP_201_CREATED)
def pin_contact_assignment(
    body: AssignmentPin, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> AssignmentOut:
    """A hand change: the member looks after the household from today, pinned."""
    require(principal, "update", "contact")
    household = _household(session, body.household_id, principal, "update", "contact")
    link = assigning.check_pin_assignment(session, household, member_id=body.member_id, actor=actor)
    name = session.scalar(
        select(Resident.name)
        .join(members.PartyMember, members.PartyMember.resident_id == Resident.id)
        .where(members.PartyMember.id == link.member_id)
    )
    return AssignmentOut.of(link, household.territory_code, household.household_no, name or "")


# --- the ledger ---------------------------------------------------------------------------


@router.get("/visits")
def list_visits(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    household_id: Annotated[str | None, Query(max_length=32)] = None,
    member_id: Annotated[str | None, Query(max_length=32)] = None,
    confirmed: Literal["true", "false", "all"] = "all",
    from_date: Annotated[Day | None, Query(alias="from")] = None,
    to_date: Annotated[Day | None, Query(alias="to")] = None,
) -> Page[VisitOut]:
    """Visits with a household in the caller's reach, newest first; ``confirmed=false``
    lists the visits still waiting for a household's confirmation."""
    require(principal, "read", "visit")
    if territory is not None:
        reach_territory(session, principal, "read", "visit", territory)
    visits, total = queries.list_visits(
        session,
        principal=principal,
        territory=territory,
        household_id=household_id,
        member_id=member_id,
        confirmed=CURRENT[confirmed],
        start=from_date,
        end=to_date,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=_visit_out(session, visits), total=total, limit=paging.limit, offset=paging.offset
    )


@router.post("/visits", status_code=status.HTTP_201_CREATED)
def record_visit(
    body: VisitCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> VisitOut:
    """Record a visit of households the caller may record (a member: their own households);
    ``cases`` are raised from it (channel ``visit``) and linked to it. 201 when recorded;
    200 with the same visit, nothing stored again, when the caller used this
    ``Idempotency-Key`` before (the same key for another visit: 422 naming it)."""
    require(principal, "create", "visit")
    fields = body.model_dump(exclude={"household_ids", "member_ids", "cases"})
    visit, created = replay.check_record_visit_once(
        session,
        owner=idempotency_owner(principal.user_id),
        key=idempotency_key or None,
        household_ids=body.household_ids,
        member_ids=body.member_ids,
        cases=[ledger.CaseRequest(**case.model_dump()) for case in body.cases],
        principal=principal,
        actor=actor,
        **fields,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _visit_out(session, [visit])[0]


@router.get("/visits/{visit_id}")
def get_visit(visit_id: str, session: SessionDep, principal: PrincipalDep) -> VisitOut:
    return _visit_out(session, [queries.access_visit(session, visit_id, principal)])[0]


@router.patch("/visits/{visit_id}")
def edit_visit(
    visit_id: str, body: VisitEdit, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> VisitOut:
    """Change a visit; ``version`` must be the one read (else 409). Kept as a version."""
    visit = queries.access_visit(session, visit_id, principal, "update")
    changes = body.model_dump(exclude={"version"}, exclude_unset=True)
    visit = ledger.check_edit_visit(
        session, visit, version=body.version, changes=changes, actor=actor
    )
    return _visit_out(session, [visit])[0]


@router.get("/visits/{visit_id}/versions")
def list_visit_versions(
    visit_id: str, session: SessionDep, principal: PrincipalDep
) -> list[VisitVersionOut]:
    visit = queries.access_visit(session, visit_id, principal)
    return [VisitVersionOut.of(row) for row in queries.visit_versions(session, visit.id)]


@router.post("/visits/{visit_id}/confirm")
def confirm_visit(
    visit_id: str,
    body: VisitConfirm,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> VisitOut:
    """The household confirms the visit (a resident of it with an account, else its unit
    leader; never one who made it) and may rate its member 1-5."""
    visit = queries.access_visit(session, visit_id, principal)
    confirm.check_confirm_visit(
        session,
        visit,
        household_id=body.household_id,
        rating=body.rating,
        principal=principal,
        actor=actor,
    )
    return _visit_out(session, [visit])[0]


# --- due contacts and "must visit" moments -------------------------------------------------


@router.get("/contacts/due")
def list_due_contacts(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryRequired,
) -> DuePage:
    """Households due a visit (their rhythm comes round within a week, or a "must visit"
    moment is open) and overdue, as of today, with counts per member, grid and village."""
    require(principal, "read", "contact")
    try:
        reach_territory(session, principal, "read", "contact", territory)
    except NotFound:
        if not party_groups.led_reach(session, principal, territory):
            raise  # a party group leader reaches their group's households' nodes too
    day = clock.today()
    found = due.due_list(
        session,
        territory=territory,
        day=day,
        principal=principal,
        limit=paging.limit,
        offset=paging.offset,
    )
    names = due.member_names(session, [i.member_id for i in found.items if i.member_id])
    return DuePage(
        items=[DueItemOut.of(item, names) for item in found.items],
        total=found.total,
        limit=paging.limit,
        offset=paging.offset,
        day=day,
        by_member={k: DueCounts(**v) for k, v in found.by_member.items()},
        by_grid={k: DueCounts(**v) for k, v in found.by_grid.items()},
        by_village={k: DueCounts(**v) for k, v in found.by_village.items()},
    )


@router.post("/contacts/must-visits", status_code=status.HTTP_201_CREATED)
def add_must_visit(
    body: MustVisitCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> MustVisitOut:
    """A "must visit" moment the registry does not record (a wedding, a funeral, a stay in
    hospital), by the household's member or a leader."""
    require(principal, "create", "contact")
    household = _household(session, body.household_id, principal, "create", "contact")
    moment = moments.check_add_hand_moment(
        session, household, reason=body.reason, due_on=body.due_on, note=body.note, actor=actor
    )
    return MustVisitOut.of(moment)


# --- the report ---------------------------------------------------------------------------


@router.get("/reports/contacts", tags=["reports"])
def get_contacts_report(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryRequired,
    from_date: Annotated[Day | None, Query(alias="from", description="first day")] = None,
    to_date: Annotated[
        Day | None, Query(alias="to", description="last day, inclusive (default today)")
    ] = None,
) -> ContactReportOut:
    """Contact coverage under ``territory``: figures counted back from ``to`` (default
    today) and over ``[from, to]`` (default the 90 days ending on ``to``), per child too."""
    end = to_date or clock.today()
    start = from_date or end - dt.timedelta(days=89)
    report = contact_report(
        session, territory_code=territory, start=start, end=end, principal=principal
    )
    return ContactReportOut.of_report(report)


# --- the ledger as a file -----------------------------------------------------------------


def _ledger_export(file_format: str, doc: str) -> None:
    """Register ``GET /exports/visits.<file_format>`` (``export_visits_<file_format>``): the
    contact ledger under ``territory`` as that file, one row per visit and household."""

    def export_visits(
        session: SessionDep,
        principal: PrincipalDep,
        territory: TerritoryRequired,
        from_date: Annotated[Day | None, Query(alias="from")] = None,
        to_date: Annotated[Day | None, Query(alias="to")] = None,
    ) -> Response:
        content = ledger_file(
            session,
            file_format,
            territory=territory,
            start=from_date,
            end=to_date,
            principal=principal,
        )
        filename = f"visits-{territory}.{file_format}"
        return Response(
            content=content,
            media_type=LEDGER_MEDIA[file_format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    export_visits.__name__ = export_visits.__qualname__ = f"export_visits_{file_format}"
    export_visits.__doc__ = doc
    router.get(
        f"/exports/visits.{file_format}",
        response_class=Response,
        responses=file_answer(LEDGER_MEDIA[file_format]),
        tags=["exports"],
    )(export_visits)


_ledger_export("csv", "The contact ledger under ``territory``: one row per visit and household.")
_ledger_export("xlsx", "The contact ledger under ``territory`` as XLSX.")


@router.get(
    "/contacts/cards.pdf",
    response_class=Response,
    responses=file_answer("application/pdf"),
)
def contact_cards_pdf(
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryRequired,
    language: ApiLanguageDep,
) -> Response:
    """The printable contact cards (A6, one page a household, a Chinese font embedded) of
    the households under ``territory`` the caller may read contacts of; a grid gives the
    grid's cards in one PDF."""
    from gridgov.contacts.card_data import contact_cards  # reportlab loads for this only
    from gridgov.contacts.cards import render_cards

    found = contact_cards(
        session, territory_code=territory, principal=principal, issued=clock.today()
    )
    title = session.scalar(select(Territory.name_zh).where(Territory.code == territory))
    pdf = render_cards(found, title=title or territory, language=language)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="contact-cards-{territory}.pdf"'},
    )
