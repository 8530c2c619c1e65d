"""/api/v1/bridges: the outbound bridges' routes (a group's WeCom robot) and the dead letters
of every outbox consumer (the bridges' and the inbox's), for administrators only (the policy's
``bridge`` resource: any other role answers 403). A webhook key is write-only: the answers
say whether a route has one, never what it is."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridgov import clock
from gridgov.access.checks import require
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.groups.actions import check_add_bridge_route
from gridgov.notify.bridges import outcomes, routes
from gridgov.notify.bridges.models import NAME_MAX, URL_MAX, BridgeRoute
from gridgov.notify.bridges.registry import wecom_base_url
from gridgov.notify.models import CHANNELS, OutboxMessage
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input

router = APIRouter(tags=["bridges"])


class BridgeRouteOut(BaseModel):
    id: str
    kind: str
    group_id: str
    name: str
    base_url: str
    has_key: bool
    active: bool
    throttled_until: LocalTimestamp | None
    created_at: LocalTimestamp
    created_by: str

    @classmethod
    def of(cls, row: BridgeRoute) -> BridgeRouteOut:
        return cls(
            id=row.id,
            kind=row.kind,
            group_id=row.group_id,
            name=row.name,
            base_url=row.base_url,
            has_key=bool(row.webhook_key),
            active=row.active,
            throttled_until=row.throttled_until,
            created_at=row.created_at,
            created_by=row.created_by,
        )


class BridgeRouteIn(Input):
    kind: Literal["wecom"] = "wecom"
    group_id: str = Field(min_length=1, max_length=32)
    key: str = Field(min_length=1, max_length=128, description="the robot's webhook key")
    base_url: str | None = Field(
        default=None, max_length=URL_MAX, description="default GRIDGOV_WECOM_BASE_URL"
    )
    name: str = Field(default="", max_length=NAME_MAX)


class BridgeRouteUpdate(Input):
    active: bool


class DeadLetterOut(BaseModel):
    id: str
    channel: str
    kind: str
    route_id: str | None
    recipients: int = Field(description="how many users it was for")
    attempts: int
    last_error: str | None
    created_at: LocalTimestamp
    dead_at: LocalTimestamp | None

    @classmethod
    def of(cls, row: OutboxMessage) -> DeadLetterOut:
        return cls(
            id=row.id,
            channel=row.channel,
            kind=row.kind,
            route_id=row.route_id,
            recipients=len(row.recipients or []),
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            dead_at=row.dead_at,
        )


@router.get("/bridges")
def list_bridge_routes(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    group_id: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[BridgeRouteOut]:
    """The routes (of one group, with ``group_id``)."""
    require(principal, "read", "bridge")
    rows, total = routes.list_routes(
        session, group_id=group_id, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[BridgeRouteOut.of(row) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/bridges", status_code=201)
def add_bridge_route(
    body: BridgeRouteIn, session: SessionDep, principal: PrincipalDep
) -> BridgeRouteOut:
    """A new route of a group: its WeCom robot's webhook key (stored encrypted)."""
    require(principal, "create", "bridge")
    route = check_add_bridge_route(
        session,
        kind=body.kind,
        group_id=body.group_id,
        key=body.key,
        base_url=body.base_url or wecom_base_url(),
        name=body.name,
        actor=principal.actor,
    )
    return BridgeRouteOut.of(route)


@router.patch("/bridges/{route_id}")
def update_bridge_route(
    route_id: str, body: BridgeRouteUpdate, session: SessionDep, principal: PrincipalDep
) -> BridgeRouteOut:
    """Switch a route on or off (an inactive route gets no new messages)."""
    require(principal, "update", "bridge")
    route = routes.get_route(session, route_id)
    routes.do_set_route_active(session, route, active=body.active, actor=principal.actor)
    return BridgeRouteOut.of(route)


@router.get("/bridges/dead-letters")
def list_dead_letters(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    channel: Literal[CHANNELS] | None = None,  # type: ignore[valid-type]
) -> Page[DeadLetterOut]:
    """Outbox messages that failed too often, newest first (of one ``channel``)."""
    require(principal, "read", "bridge")
    rows, total = outcomes.list_dead_letters(
        session, channel=channel, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[DeadLetterOut.of(row) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/bridges/dead-letters/{message_id}/retry")
def retry_dead_letter(
    message_id: str, session: SessionDep, principal: PrincipalDep
) -> DeadLetterOut:
    """Back in the queue, its attempts reset (sent at the worker's next round)."""
    require(principal, "update", "bridge")
    row = outcomes.get_dead_letter(session, message_id)
    now: dt.datetime = clock.now()
    outcomes.do_retry_dead_letter(session, row, now=now, actor=principal.actor)
    return DeadLetterOut.of(row)


@router.post("/bridges/dead-letters/{message_id}/discard")
def discard_dead_letter(
    message_id: str, session: SessionDep, principal: PrincipalDep
) -> DeadLetterOut:
    """Off the list for good (the row is kept, with who discarded it)."""
    require(principal, "update", "bridge")
    row = outcomes.get_dead_letter(session, message_id)
    outcomes.do_discard_dead_letter(session, row, now=clock.now(), actor=principal.actor)
    return DeadLetterOut.of(row)
