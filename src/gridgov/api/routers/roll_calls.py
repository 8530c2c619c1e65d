"""/api/v1/roll-calls and /api/v1/shelters: emergency roll-calls (typhoon, flood, fire).

A roll-call out of the caller's reach answers 404 like a missing one; a household the
caller may not confirm (another village's) answers 404 too. The counts are the whole
roll-call's; household lines and exact points only where the caller may read them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from gridgov.accounts.reveal import Revealable, do_reveal
from gridgov.api.deps import PagingDep, SessionDep, writes_when_revealing
from gridgov.api.params import ReasonQuery, TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.emergency import closing, queries, shelters
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.roster import export_roster
from gridgov.emergency.schemas import (
    ConfirmationCreate,
    ConfirmationOut,
    LivePictureOut,
    RollCallCreate,
    RollCallHouseholdOut,
    RollCallOut,
    ShelterCreate,
    ShelterOut,
)
from gridgov.emergency.start import check_start_roll_call
from gridgov.http.idempotency import IdempotencyKey, idempotency_owner
from gridgov.http.language import ApiLanguageDep
from gridgov.registry.models import Resident

router = APIRouter(tags=["roll-calls"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_TYPE = "application/geo+json"


@router.post("/roll-calls", response_model=RollCallOut, status_code=201)
def start_roll_call(
    body: RollCallCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> RollCallOut:
    """Start a roll-call over a town, village or grid: a line per current household, the
    urgent notice, and each unit leader's list, priority first."""
    roll_call = check_start_roll_call(
        session, **body.model_dump(), principal=principal, actor=actor
    )
    return RollCallOut.of(roll_call)


@router.get("/roll-calls", response_model=Page[RollCallOut])
def list_roll_calls(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    state: Annotated[str | None, Query(description="open, all_clear or closed")] = None,
    kind: Annotated[str | None, Query(description="typhoon, flood, fire or other")] = None,
    drill: Annotated[bool | None, Query(description="drills only (true) or none (false)")] = None,
) -> Page[RollCallOut]:
    """Roll-calls newest first: over, above or under ``territory``, those the caller reaches."""
    found, total = queries.list_roll_calls(
        session,
        territory=territory,
        principal=principal,
        limit=paging.limit,
        offset=paging.offset,
        state=state,
        kind=kind,
        drill=drill,
    )
    return Page(
        items=[RollCallOut.of(rc) for rc in found],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/roll-calls/{roll_call_id}.geojson",
    responses={200: {"content": {GEOJSON_TYPE: {}}}},
    response_class=Response,
)
def roll_call_geojson(
    roll_call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    level: Annotated[
        Literal["village", "grid", "unit"] | None,
        Query(description="counts per node of this level (below the node) instead"),
    ] = None,
) -> Response:
    """What the map needs of the roll-call's node (or of ``territory`` inside it): a grid's
    or unit's households by status (a point the caller may not see is its unit's centre);
    above a grid, one point per child node (or per node of ``level``) at its centre with
    its counts by status (``properties.kind``: ``households`` or ``nodes``)."""
    import json

    roll_call = queries.access_roll_call(session, roll_call_id, principal)
    collection = queries.geojson(session, roll_call, principal, territory=territory, level=level)
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return Response(content=body, media_type=GEOJSON_TYPE)


@router.get(
    "/roll-calls/{roll_call_id}/roster.xlsx",
    response_class=Response,
    responses=file_answer(XLSX_TYPE),
    dependencies=[Depends(writes_when_revealing)],
)
def roll_call_roster(
    roll_call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    language: ApiLanguageDep,
    reveal: Annotated[bool, Query(description="show the household heads' phones in full")] = False,
    reason: ReasonQuery = None,
) -> Response:
    """One sheet per unit (the lines the caller may read); phones masked unless revealed."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal)

    def shown(heads: list[Resident]) -> frozenset[str]:
        if not reveal:
            return frozenset()
        records = [Revealable("residents", h.id, h.territory_code, h.household_id) for h in heads]
        return do_reveal(session, principal, "roll_call", records, fields=["phone"], reason=reason)

    content = export_roster(session, roll_call, principal, language=language, shown_phones=shown)
    return Response(
        content=content,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="roll-call-{roll_call.id}.xlsx"'},
    )


@router.get("/roll-calls/{roll_call_id}", response_model=LivePictureOut)
def read_roll_call(
    roll_call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
) -> LivePictureOut:
    """The roll-call and its live counts, with a row per child node (of ``territory``
    inside the roll-call when given), and the help cases it opened (``help_cases``)."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal)
    node = queries.node_within(roll_call, territory)
    return LivePictureOut.of_picture(
        queries.live_picture(session, roll_call, node=node),
        queries.help_cases(session, roll_call, principal),
    )


@router.get("/roll-calls/{roll_call_id}/households", response_model=Page[RollCallHouseholdOut])
def list_roll_call_households(
    roll_call_id: str,
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    status: str | None = None,
    territory: TerritoryFilter = None,
) -> Page[RollCallHouseholdOut]:
    """The households the caller may read, priority first, then unit, then number."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal)
    lines, total = queries.list_households(
        session,
        roll_call,
        status=status,
        territory=territory,
        principal=principal,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=[RollCallHouseholdOut.of(line) for line in lines],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/roll-calls/{roll_call_id}/confirmations", response_model=ConfirmationOut, status_code=201
)
def confirm_household(
    roll_call_id: str,
    body: ConfirmationCreate,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> ConfirmationOut:
    """Confirm one household. ``confirmed_at`` (when the confirmer saw it) defaults to now;
    the confirmation with the latest ``confirmed_at`` stands, every one is kept. 201 when
    recorded; 200 with the first answer when this ``Idempotency-Key`` was used before by
    the caller (a phone's offline queue sending again), nothing stored twice."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal, "update")
    values: dict[str, Any] = body.model_dump()
    values["help_needed"] = values.pop("help")
    confirmed = check_confirm(
        session,
        roll_call,
        **values,
        principal=principal,
        actor=actor,
        channel="api",
        idempotency_owner=idempotency_owner(principal.user_id),
        idempotency_key=idempotency_key or None,
    )
    if not confirmed.created:
        response.status_code = 200
    return ConfirmationOut.of_confirmed(confirmed)


@router.post("/roll-calls/{roll_call_id}/all-clear", response_model=RollCallOut)
def all_clear(
    roll_call_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> RollCallOut:
    """End the evacuation (the leader who started it, or one who may start one there): only
    a roll-call that ordered evacuation has one (409 for another: close it)."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal, "update")
    return RollCallOut.of(
        closing.check_all_clear(session, roll_call, principal=principal, actor=actor)
    )


@router.post("/roll-calls/{roll_call_id}/close", response_model=RollCallOut)
def close(
    roll_call_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> RollCallOut:
    """Close it and keep its report (times to 50/90/100% confirmed, help cases); an
    evacuation only after its all-clear (409 before)."""
    roll_call = queries.access_roll_call(session, roll_call_id, principal, "update")
    return RollCallOut.of(closing.check_close(session, roll_call, principal=principal, actor=actor))


@router.get("/shelters", response_model=Page[ShelterOut])
def list_shelters(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
) -> Page[ShelterOut]:
    """Shelters with their arrivals and free places (of a village's, with ``territory``)."""
    loads, total = shelters.list_shelters(
        session, territory=territory, principal=principal, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[ShelterOut.of(load) for load in loads],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/shelters", response_model=ShelterOut, status_code=201)
def create_shelter(
    body: ShelterCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> ShelterOut:
    shelter = shelters.check_create_shelter(
        session, **body.model_dump(), principal=principal, actor=actor
    )
    return ShelterOut.of(shelters.ShelterLoad(shelter, 0))
