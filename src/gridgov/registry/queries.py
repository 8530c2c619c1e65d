"""Reads of the registry. Every filter runs in SQL; totals are a COUNT, pages a LIMIT."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from gridgov.access.checks import one_in_scope, place_conditions, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.actions import CURRENT_STATUSES
from gridgov.registry.models import (
    EVENT_KINDS,
    HOUSEHOLD_STATUSES,
    RESIDENCE_STATUSES,
    SEXES,
    Household,
    KeyGroup,
    RegistryEvent,
    Resident,
    ResidentKeyGroup,
)
from gridgov.territory.scope import within


class ResidentRow(NamedTuple):
    """A resident with the codes of its key groups (loaded for a whole page at once)."""

    resident: Resident
    key_groups: list[str]


def get_household(session: Session, household_id: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound(Message("no household has id %(household_id)s", household_id=household_id))
    return household


def get_resident(session: Session, resident_id: str) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(Message("no resident has id %(resident_id)s", resident_id=resident_id))
    return resident


def access_household(
    session: Session, household_id: str, principal: Principal, action: str = "read"
) -> Household:
    """The household if the principal may ``action`` it, else the NotFound of a missing one."""
    return one_in_scope(
        session,
        Household,
        household_id,
        principal,
        action,
        "household",
        household_column=Household.id,
    )


def access_resident(
    session: Session, resident_id: str, principal: Principal, action: str = "read"
) -> Resident:
    """The resident if the principal may ``action`` them, else the NotFound of a missing one."""
    return one_in_scope(
        session,
        Resident,
        resident_id,
        principal,
        action,
        "resident",
        household_column=Resident.household_id,
    )


def access_household_to_join(
    session: Session, household_id: str, principal: Principal
) -> Household:
    """A household (named in the path) the principal may add a resident to: a birth, a
    move-in. 403 for a role that never may, else the NotFound of a missing one."""
    require(principal, "create", "resident")
    return access_household(session, household_id, principal, "update")


def household_named_in_form(session: Session, household_id: str, principal: Principal) -> Household:
    """A household named in a body or form, that the principal may add residents to. A bad
    field is a 422 naming ``household_id``, not a missing page; one out of reach gets the
    same answer as one that is not there."""
    require(principal, "create", "resident")
    household = session.scalar(
        select(Household).where(
            Household.id == household_id,
            scope_filter(principal, "update", "household", Household.territory_code),
        )
    )
    if household is None:
        raise ValidationFailed.field("household_id", "no household has this id")
    return household


def get_resident_row(session: Session, resident_id: str) -> ResidentRow:
    resident = get_resident(session, resident_id)
    return ResidentRow(resident, key_group_codes(session, [resident.id])[resident.id])


def _one_of(field: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise ValidationFailed.field(
            field, Message("must be one of %(choices)s", choices=", ".join(choices))
        )
    return value


def _page(
    session: Session, query: Select[Any], order_by: Sequence[Any], limit: int, offset: int
) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.order_by(*order_by).limit(limit).offset(offset)))
    return items, int(total or 0)


def list_households(
    session: Session,
    *,
    territory: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[list[Household], int]:
    """Households under ``territory``; ``q`` matches part of household_no or address.
    Given a ``principal``, only the households they may read (in the SQL, total too)."""
    conditions = place_conditions(
        session,
        principal,
        "household",
        Household.territory_code,
        territory,
        household_column=Household.id,
    )
    if _one_of("status", status, HOUSEHOLD_STATUSES) is not None:
        conditions.append(Household.status == status)
    if q:
        conditions.append(
            or_(
                Household.household_no.contains(q, autoescape=True),
                Household.address.contains(q, autoescape=True),
            )
        )
    query = select(Household).where(*conditions)
    order = (Household.village_code, Household.household_no, Household.id)
    return _page(session, query, order, limit, offset)


def list_residents(
    session: Session,
    *,
    territory: str | None = None,
    key_group: str | None = None,
    residence_status: str | None = None,
    sex: str | None = None,
    name: str | None = None,
    household_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[list[ResidentRow], int]:
    """Residents by place, tag, status, sex, part of the name or household. Given a
    ``principal``, only the residents they may read (in the SQL, total too)."""
    conditions = place_conditions(
        session,
        principal,
        "resident",
        Resident.territory_code,
        territory,
        household_column=Resident.household_id,
    )
    if key_group is not None:
        tagged = select(ResidentKeyGroup.resident_id).where(
            ResidentKeyGroup.key_group_code == key_group
        )
        conditions.append(Resident.id.in_(tagged))
    if _one_of("residence_status", residence_status, RESIDENCE_STATUSES) is not None:
        conditions.append(Resident.residence_status == residence_status)
    if _one_of("sex", sex, SEXES) is not None:
        conditions.append(Resident.sex == sex)
    if name:
        conditions.append(Resident.name.contains(name, autoescape=True))
    if household_id is not None:
        conditions.append(Resident.household_id == household_id)
    query = select(Resident).where(*conditions)
    order = (Resident.territory_code, Resident.household_id, Resident.id)
    residents, total = _page(session, query, order, limit, offset)
    codes = key_group_codes(session, [resident.id for resident in residents])
    return [ResidentRow(resident, codes[resident.id]) for resident in residents], total


def key_group_codes(session: Session, resident_ids: Sequence[str]) -> dict[str, list[str]]:
    """The key-group codes of each resident, in one query for all of them."""
    codes: dict[str, list[str]] = defaultdict(list)
    if not resident_ids:
        return codes
    rows = session.execute(
        select(ResidentKeyGroup.resident_id, ResidentKeyGroup.key_group_code)
        .where(ResidentKeyGroup.resident_id.in_(list(resident_ids)))
        .order_by(ResidentKeyGroup.resident_id, ResidentKeyGroup.key_group_code)
    )
    for resident_id, code in rows:
        codes[resident_id].append(code)
    return codes


def list_events(
    session: Session,
    *,
    territory: str | None = None,
    household_id: str | None = None,
    resident_id: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[list[RegistryEvent], int]:
    """Registry events, newest first (by the day they happened, then when recorded).
    Given a ``principal``, only the events they may read (in the SQL, total too)."""
    conditions = place_conditions(
        session,
        principal,
        "registry_event",
        RegistryEvent.territory_code,
        territory,
        household_column=RegistryEvent.household_id,
    )
    if household_id is not None:
        conditions.append(RegistryEvent.household_id == household_id)
    if resident_id is not None:
        conditions.append(RegistryEvent.resident_id == resident_id)
    if _one_of("kind", kind, EVENT_KINDS) is not None:
        conditions.append(RegistryEvent.kind == kind)
    query = select(RegistryEvent).where(*conditions)
    order = (
        RegistryEvent.occurred_on.desc(),
        RegistryEvent.recorded_at.desc(),
        RegistryEvent.id.desc(),
    )
    return _page(session, query, order, limit, offset)


def list_key_groups(session: Session, *, include_inactive: bool = False) -> list[KeyGroup]:
    query = select(KeyGroup).order_by(KeyGroup.code)
    if not include_inactive:
        query = query.where(KeyGroup.active)
    return list(session.scalars(query))


class NodeCounts(NamedTuple):
    """Current households and residents under a node (as far as the reader may see)."""

    households: int
    residents: int


def counts_by_node(
    session: Session, parent_code: str, code_length: int, principal: Principal
) -> dict[str, NodeCounts]:
    """Active households and current residents under ``parent_code``, grouped by the first
    ``code_length`` digits of their place: by child node (the child level's code length) or
    for the node itself (its own length). Only the rows ``principal`` may read are counted,
    two grouped COUNTs in all."""
    household_conditions = place_conditions(
        session, principal, "household", Household.territory_code, None,
        household_column=Household.id,
    )  # fmt: skip
    household_conditions += [
        within(Household.territory_code, parent_code),
        Household.status == "active",
    ]
    resident_conditions = place_conditions(
        session, principal, "resident", Resident.territory_code, None,
        household_column=Resident.household_id,
    )  # fmt: skip
    resident_conditions += [
        within(Resident.territory_code, parent_code),
        Resident.residence_status.in_(CURRENT_STATUSES),
    ]
    households = _grouped_counts(
        session, Household.territory_code, code_length, household_conditions
    )
    residents = _grouped_counts(session, Resident.territory_code, code_length, resident_conditions)
    return {
        code: NodeCounts(households.get(code, 0), residents.get(code, 0))
        for code in households.keys() | residents.keys()
    }


def _grouped_counts(
    session: Session, code_column: Any, code_length: int, conditions: list[Any]
) -> dict[str, int]:
    prefix = func.substr(code_column, 1, code_length)
    rows = session.execute(select(prefix, func.count()).where(*conditions).group_by(prefix)).all()
    return {str(code): int(count) for code, count in rows}
