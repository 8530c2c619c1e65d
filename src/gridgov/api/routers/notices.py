"""/api/v1 notices: posting one to a group or a territory, reading and acknowledging it,
its receipts by household (by grid and unit), unit leaders marking households told, and the
reminder that lists, per unit leader, whom to tell.

A notice out of the caller's reach (not a member of a group it went to, not a leader of its
territory) answers like a missing one (404)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from gridgov.access.checks import require, require_target
from gridgov.access.policy import allows
from gridgov.accounts.models import User
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.security import ActorDep
from gridgov.errors import NotFound
from gridgov.groups import notices
from gridgov.groups.notice_schemas import (
    HouseholdReceiptOut,
    NoticeCreate,
    NoticeOut,
    NoticeReadIn,
    ReceiptsOut,
    ReminderHousehold,
    ReminderOut,
    ReminderPage,
    TallyOut,
    TerritoryNoticeCreate,
    ToldIn,
    ToldOut,
)
from gridgov.groups.queries import access_group
from gridgov.groups.receipts import tally
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.territory.models import Territory

router = APIRouter(tags=["notices"])


def _out(session: SessionDep, notice, user_id: str) -> NoticeOut:
    receipt = notices.receipt_of(session, notice, user_id)
    return NoticeOut.of(
        notice,
        read=receipt is not None,
        acknowledged=receipt is not None and receipt.acknowledged_at is not None,
    )


@router.post("/groups/{group_id}/notices", status_code=status.HTTP_201_CREATED)
def post_group_notice(
    group_id: str, body: NoticeCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> NoticeOut:
    """A leader of the group's node posts a pinned notice (urgent: through every bridge)."""
    require(principal, "update", "group")  # 403 first: a role that never leads
    group = access_group(session, group_id, principal, "update")
    notice = notices.check_post_notice(
        session,
        group=group,
        title=body.title,
        body=body.body,
        priority=body.priority,
        ack_required=body.ack_required,
        actor=actor,
        author_user_id=principal.user_id,
    )
    return _out(session, notice, principal.user_id)


@router.post("/notices", status_code=status.HTTP_201_CREATED)
def post_territory_notice(
    body: TerritoryNoticeCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> NoticeOut:
    """A notice to a village or a grid (posted in its group, else its village's)."""
    require_target(principal, "update", "group", body.territory_code, field="territory_code")
    notice = notices.check_post_notice(
        session,
        territory_code=body.territory_code,
        title=body.title,
        body=body.body,
        priority=body.priority,
        ack_required=body.ack_required,
        actor=actor,
        author_user_id=principal.user_id,
    )
    return _out(session, notice, principal.user_id)


@router.get("/notices/{notice_id}")
def get_notice(notice_id: str, session: SessionDep, principal: PrincipalDep) -> NoticeOut:
    notice = notices.access_notice(session, notice_id, principal)
    return _out(session, notice, principal.user_id)


@router.post("/notices/{notice_id}/read")
def read_notice(
    notice_id: str, body: NoticeReadIn, session: SessionDep, principal: PrincipalDep
) -> NoticeOut:
    """The caller read the notice (``acknowledge``: and confirms it); it counts for their
    household."""
    notice = notices.access_notice(session, notice_id, principal)
    notices.do_read_notice(
        session,
        notice,
        user_id=principal.user_id,
        household_id=principal.household_id,
        acknowledge=body.acknowledge,
    )
    return _out(session, notice, principal.user_id)


def _names(session: SessionDep, codes: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(Territory.code, Territory.name_zh).where(Territory.code.in_(sorted(codes)))
    )
    return dict(rows.all())


@router.get("/notices/{notice_id}/receipts")
def notice_receipts(notice_id: str, session: SessionDep, principal: PrincipalDep) -> ReceiptsOut:
    """Households that read and acknowledged the notice, in all, by grid and by unit, and
    each household's state (leaders of the notice's territory)."""
    require(principal, "update", "group")
    notice = notices.access_notice(session, notice_id, principal, "manage")
    places, states = notices.household_states(session, notice)
    counted = tally(places, states)
    names = _names(session, set(counted.by_grid) | set(counted.by_unit))
    numbers = notices.household_numbers(session, notice)
    state_of = {state.household_id: state for state in states}
    return ReceiptsOut(
        notice_id=notice.id,
        ack_required=notice.ack_required,
        total=TallyOut.of(notice.territory_code, None, counted.total),
        by_grid=[TallyOut.of(c, names.get(c), t) for c, t in sorted(counted.by_grid.items())],
        by_unit=[TallyOut.of(c, names.get(c), t) for c, t in sorted(counted.by_unit.items())],
        households=[
            HouseholdReceiptOut(
                household_id=place.household_id,
                household_no=numbers.get(place.household_id, ""),
                unit_code=place.unit_code,
                read=state_of[place.household_id].read,
                acknowledged=state_of[place.household_id].acknowledged,
            )
            for place in places
        ],
    )


@router.post("/notices/{notice_id}/told")
def mark_told(
    notice_id: str, body: ToldIn, session: SessionDep, principal: PrincipalDep
) -> ToldOut:
    """A leader of the household's unit (or above) told it in person or by phone."""
    require(principal, "update", "group")
    notice = notices.access_notice(session, notice_id, principal)
    household = session.get(Household, body.household_id)
    leads_household = household is not None and allows(
        principal, "update", "group", household.territory_code
    )
    if not (leads_household or notices.manages(principal, notice)):
        raise NotFound(Message("no notice has id %(notice_id)s", notice_id=notice_id))
    told = notices.check_mark_told(
        session,
        notice,
        household_id=body.household_id,
        channel=body.channel,
        confirmed=body.confirmed,
        user_id=principal.user_id,
    )
    return ToldOut(
        notice_id=notice.id,
        household_id=told.household_id,
        channel=told.channel,
        confirmed=told.confirmed,
        told_at=told.told_at,
    )


@router.post("/notices/{notice_id}/remind")
def remind(
    notice_id: str, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> ReminderPage:
    """Send each unit leader (the grid leader where a unit has none) the list of households
    still to tell; the lists, with those nobody leads under a null leader."""
    require(principal, "update", "group")
    notice = notices.access_notice(session, notice_id, principal, "manage")
    lists = notices.do_remind(session, notice, actor=actor)
    numbers = notices.household_numbers(session, notice)
    leaders = [r.leader_user_id for r in lists if r.leader_user_id]
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(leaders))).all()
    )
    items = [
        ReminderOut(
            leader_user_id=r.leader_user_id,
            leader_name=names.get(r.leader_user_id) if r.leader_user_id else None,
            households=[
                ReminderHousehold(household_id=h, household_no=numbers.get(h, ""))
                for h in r.household_ids
            ],
        )
        for r in lists
    ]
    return ReminderPage(items=items, total=len(items))
