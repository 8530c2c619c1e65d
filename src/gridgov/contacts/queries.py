"""Reads of party members, contact assignments and the ledger, filtered by the caller's
reach in SQL (policy resources ``contact`` and ``visit``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_, select
from sqlalchemy.orm import Session

from gridgov.access.checks import place_conditions, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.contacts.members import party_group_codes
from gridgov.contacts.models import (
    ContactAssignment,
    PartyMember,
    Visit,
    VisitCase,
    VisitHousehold,
    VisitMember,
    VisitVersion,
)
from gridgov.contacts.party_groups import led_member_ids
from gridgov.contacts.scope import current_member
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident
from gridgov.territory.scope import within

LEADER_ROLES = ("administrator", "town_official", "village_secretary", "grid_leader", "unit_leader")


def contact_user_ids(session: Session, household_ids: Sequence[str]) -> list[str]:
    """The accounts of the current contact members of these households."""
    if not household_ids:
        return []
    return list(
        session.scalars(
            select(User.id)
            .join(PartyMember, PartyMember.resident_id == User.resident_id)
            .join(ContactAssignment, ContactAssignment.member_id == PartyMember.id)
            .where(
                ContactAssignment.household_id.in_(list(household_ids)),
                ContactAssignment.ended_at.is_(None),
                PartyMember.ended_on.is_(None),
            )
            .distinct()
        )
    )


def _same_group_ids(session: Session, principal: Principal) -> list[str]:
    """The members of the caller's own party group (the caller a member), else none."""
    own = current_member(session, principal.resident_id) if principal.resident_id else None
    if own is None:
        return []
    village = session.scalars(
        select(PartyMember).where(
            PartyMember.ended_on.is_(None),
            within(PartyMember.territory_code, own.territory_code[:12]),
        )
    ).all()
    groups = party_group_codes(list(village))
    return [member.id for member in village if groups[member.id] == groups[own.id]]


def member_list_condition(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Membership is sensitive: leaders read the members of their subtree, a member reads
    the members of their own party group, nobody else any."""
    leader = dataclasses.replace(
        principal, scopes=tuple(s for s in principal.scopes if s.role in LEADER_ROLES)
    )
    terms: list[Any] = []
    if leader.scopes:
        terms.append(scope_filter(leader, "read", "contact", PartyMember.territory_code))
    same = _same_group_ids(session, principal)
    if same:
        terms.append(PartyMember.id.in_(same))
    return or_(*terms) if terms else false()


def list_party_members(
    session: Session,
    *,
    principal: Principal | None,
    territory: str | None,
    current: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[PartyMember, str]], int]:
    """Members with their names, newest first, and the total."""
    conditions: list[Any] = []
    if principal is not None:
        require(principal, "read", "contact")
        conditions.append(member_list_condition(session, principal))
    if territory is not None:
        conditions += place_conditions(
            session, None, "contact", PartyMember.territory_code, territory
        )
    if current is not None:
        conditions.append(
            PartyMember.ended_on.is_(None) if current else PartyMember.ended_on.is_not(None)
        )
    total = session.scalar(select(func.count()).select_from(PartyMember).where(*conditions)) or 0
    rows = session.execute(
        select(PartyMember, Resident.name)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(*conditions)
        .order_by(PartyMember.territory_code, PartyMember.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(member, name) for member, name in rows], total


def member_loads(session: Session, member_ids: Sequence[str]) -> dict[str, int]:
    """Households currently assigned to each of ``member_ids`` (the members' workload)."""
    if not member_ids:
        return {}
    rows = session.execute(
        select(ContactAssignment.member_id, func.count())
        .where(
            ContactAssignment.member_id.in_(list(member_ids)),
            ContactAssignment.ended_at.is_(None),
        )
        .group_by(ContactAssignment.member_id)
    )
    return {member_id: int(count) for member_id, count in rows}


def list_assignments(
    session: Session,
    *,
    principal: Principal | None,
    territory: str,
    current: bool = True,
    limit: int,
    offset: int,
) -> tuple[list[Any], int]:
    """Current links under ``territory`` the caller may read: (link, household code,
    household no, member name)."""
    conditions = place_conditions(
        session,
        principal,
        "contact",
        Household.territory_code,
        territory,
        household_column=Household.id,
    )
    if current:
        conditions.append(ContactAssignment.ended_at.is_(None))
    base = select(ContactAssignment).join(Household, Household.id == ContactAssignment.household_id)
    total = (
        session.scalar(select(func.count()).select_from(base.where(*conditions).subquery())) or 0
    )
    rows = session.execute(
        select(ContactAssignment, Household.territory_code, Household.household_no, Resident.name)
        .join(Household, Household.id == ContactAssignment.household_id)
        .join(PartyMember, PartyMember.id == ContactAssignment.member_id)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(*conditions)
        .order_by(Household.territory_code, Household.household_no, ContactAssignment.started_at)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def visit_reach(principal: Principal, action: str = "read") -> ColumnElement[bool]:
    """A visit_households row the caller may ``action`` (its household or node in reach)."""
    return scope_filter(
        principal,
        action,
        "visit",
        VisitHousehold.territory_code,
        household_column=VisitHousehold.household_id,
    )


def _read_reach(session: Session, principal: Principal) -> ColumnElement[bool]:
    """What the caller may read of the ledger: their reach, and a party group leader's the
    visits made by the members of the group they lead (contacts.party_groups)."""
    led = led_member_ids(session, principal)
    if not led:
        return visit_reach(principal)
    by_group = VisitHousehold.visit_id.in_(
        select(VisitMember.visit_id).where(VisitMember.member_id.in_(led))
    )
    return or_(visit_reach(principal), by_group)


def access_visit(
    session: Session, visit_id: str, principal: Principal, action: str = "read"
) -> Visit:
    """The visit if one of its households is in the caller's reach for ``action``, else the
    NotFound of a missing one."""
    require(principal, action, "visit")
    reach = _read_reach(session, principal) if action == "read" else visit_reach(principal, action)
    reachable = exists().where(VisitHousehold.visit_id == Visit.id, reach)
    visit = session.scalar(select(Visit).where(Visit.id == visit_id, reachable))
    if visit is None:
        raise NotFound(Message("no visit has id %(visit_id)s", visit_id=visit_id))
    return visit


def list_visits(
    session: Session,
    *,
    principal: Principal | None,
    territory: str | None,
    household_id: str | None = None,
    member_id: str | None = None,
    confirmed: bool | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Visit], int]:
    """Visits (newest first) with a household in the caller's reach and the filters."""
    rows: list[Any] = []
    if principal is not None:
        require(principal, "read", "visit")
        rows.append(_read_reach(session, principal))
    if territory is not None:
        rows += place_conditions(session, None, "visit", VisitHousehold.territory_code, territory)
    if household_id is not None:
        rows.append(VisitHousehold.household_id == household_id)
    if confirmed is not None:
        rows.append(
            VisitHousehold.confirmed_at.is_not(None)
            if confirmed
            else VisitHousehold.confirmed_at.is_(None)
        )
    conditions: list[Any] = [exists().where(VisitHousehold.visit_id == Visit.id, *rows)]
    if member_id is not None:
        conditions.append(
            exists().where(VisitMember.visit_id == Visit.id, VisitMember.member_id == member_id)
        )
    if start is not None:
        conditions.append(Visit.visited_on >= start)
    if end is not None:
        conditions.append(Visit.visited_on <= end)
    total = session.scalar(select(func.count()).select_from(Visit).where(*conditions)) or 0
    visits = session.scalars(
        select(Visit)
        .where(*conditions)
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(visits), total


@dataclass
class VisitParts:
    """What a visit reached and raised: its households (with their confirmations), its
    members (with their names) and the ids of the cases raised from it."""

    households: list[VisitHousehold]
    members: list[tuple[str, str]]
    case_ids: list[str]


def visit_parts(session: Session, visits: Sequence[Visit]) -> dict[str, VisitParts]:
    """The parts of a page of visits, loaded in three queries."""
    ids = [visit.id for visit in visits]
    parts = {visit_id: VisitParts([], [], []) for visit_id in ids}
    if not ids:
        return parts
    for row in session.scalars(
        select(VisitHousehold)
        .where(VisitHousehold.visit_id.in_(ids))
        .order_by(VisitHousehold.household_id)
    ):
        parts[row.visit_id].households.append(row)
    for visit_id, member_id, name in session.execute(
        select(VisitMember.visit_id, VisitMember.member_id, Resident.name)
        .join(PartyMember, PartyMember.id == VisitMember.member_id)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(VisitMember.visit_id.in_(ids))
        .order_by(VisitMember.member_id)
    ):
        parts[visit_id].members.append((member_id, name))
    for visit_id, case_id in session.execute(
        select(VisitCase.visit_id, VisitCase.case_id)
        .where(VisitCase.visit_id.in_(ids))
        .order_by(VisitCase.case_id)
    ):
        parts[visit_id].case_ids.append(case_id)
    return parts


def visit_versions(session: Session, visit_id: str) -> list[VisitVersion]:
    return list(
        session.scalars(
            select(VisitVersion)
            .where(VisitVersion.visit_id == visit_id)
            .order_by(VisitVersion.version)
        )
    )


def visit_of_case(session: Session, case_id: str) -> str | None:
    """The visit a case was raised from (the link read from the case's side)."""
    return session.scalar(select(VisitCase.visit_id).where(VisitCase.case_id == case_id))


def access_member(session: Session, member_id: str, principal: Principal) -> PartyMember:
    member = session.scalar(
        select(PartyMember).where(
            PartyMember.id == member_id, member_list_condition(session, principal)
        )
    )
    if member is None:
        raise NotFound(Message("no party member has id %(member_id)s", member_id=member_id))
    return member
