"""The contact cards' data, read from the registry, the posts and the assignments (then
``cards.render_cards`` prints them).

One card per active household under a node that the caller may read contacts of, in
territory and household-number order (a grid's cards come out together): the household's
number and address, its head's name masked to the first character (the card is printed by
leaders and may lie about), its party member's name and phone in full (calling them is the
card's purpose), the current unit and grid leaders (posts), and the village's group when a
``group_of`` look-up is given (``GroupInfo``; by default the village's group of gridgov.groups).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.contacts.cards import ContactCard, Person
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.errors import ValidationFailed
from gridgov.groups.queries import village_group
from gridgov.i18n import Message
from gridgov.posts.models import Post
from gridgov.registry.models import Household, Resident
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

MAX_CARDS = 5000  # one print run: a village at most


@dataclass(frozen=True)
class GroupInfo:
    """The village's group as its card shows it."""

    name: str
    join: str | None = None  # how to join, in words
    join_url: str | None = None  # printed as a QR code


GroupLookup = Callable[[str], GroupInfo | None]  # village code -> its group


def masked_name(name: str | None) -> str | None:
    """The first character, the rest starred (张三丰 -> 张**)."""
    if not name:
        return None
    return name[0] + "*" * (len(name) - 1)


def _households(session: Session, code: str, principal: Principal | None) -> list[Household]:
    query = select(Household).where(
        within(Household.territory_code, code), Household.status == "active"
    )
    if principal is not None:
        query = query.where(
            scope_filter(
                principal,
                "read",
                "contact",
                Household.territory_code,
                household_column=Household.id,
            )
        )
    rows = session.scalars(
        query.order_by(Household.territory_code, Household.household_no).limit(MAX_CARDS + 1)
    ).all()
    if len(rows) > MAX_CARDS:
        raise ValidationFailed.field(
            "territory", Message("at most %(limit)s cards at once: choose a grid", limit=MAX_CARDS)
        )
    return list(rows)


def _heads(session: Session, ids: Sequence[str]) -> dict[str, str]:
    rows = session.execute(
        select(Resident.household_id, Resident.name).where(
            Resident.household_id.in_(ids), Resident.relation_to_head == "head"
        )
    )
    return {row[0]: row[1] for row in rows}


def _members(session: Session, ids: Sequence[str]) -> dict[str, Person]:
    rows = session.execute(
        select(ContactAssignment.household_id, Resident.name, Resident.phone)
        .join(PartyMember, PartyMember.id == ContactAssignment.member_id)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(ContactAssignment.household_id.in_(ids), ContactAssignment.ended_at.is_(None))
    )
    return {household_id: Person(name, phone) for household_id, name, phone in rows}


def _leaders(session: Session, codes: set[str]) -> dict[tuple[str, str], Person]:
    """(post type, node) -> the current holder, for grid and unit leaders of ``codes``."""
    rows = session.execute(
        select(Post.post_type, Post.territory_code, Resident.name, Resident.phone)
        .join(Resident, Resident.id == Post.resident_id)
        .where(
            Post.post_type.in_(("grid_leader", "unit_leader")),
            Post.territory_code.in_(codes),
            Post.end_date.is_(None),
        )
    )
    return {(kind, code): Person(name, phone) for kind, code, name, phone in rows}


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(Territory.code, Territory.name_zh).where(Territory.code.in_(codes))
    )
    return {row[0]: row[1] for row in rows}


def _places(code: str) -> tuple[str, str | None, str | None]:
    """(village, grid, unit) codes of a household's node."""
    village = code[: CODE_LENGTH["village"]]
    grid = code[: CODE_LENGTH["grid"]] if len(code) >= CODE_LENGTH["grid"] else None
    unit = code if len(code) >= CODE_LENGTH["unit"] else None
    return village, grid, unit


def _village_group_of(session: Session) -> GroupLookup:
    """The village's grid group, by its name (villagers with an account are in it already)."""

    def lookup(village_code: str) -> GroupInfo | None:
        group = village_group(session, village_code)
        return GroupInfo(name=group.name) if group is not None else None

    return lookup


def contact_cards(
    session: Session,
    *,
    territory_code: str,
    principal: Principal | None,
    issued: dt.date,
    group_of: GroupLookup | None = None,
) -> list[ContactCard]:
    """The cards of the households under ``territory_code`` the caller may read contacts of
    (404 for a node out of reach, as everywhere)."""
    if principal is not None:
        require(principal, "read", "contact")
    reach_territory(session, principal, "read", "contact", territory_code)
    households = _households(session, territory_code, principal)
    return _cards(session, households, issued=issued, group_of=group_of)


def own_card(session: Session, household_id: str | None, *, issued: dt.date) -> ContactCard | None:
    """The card of a resident's own household (``principal.household_id``), as it was
    handed to them on paper: whom to call. None without an active household."""
    household = session.get(Household, household_id) if household_id else None
    if household is None or household.status != "active":
        return None
    return _cards(session, [household], issued=issued, group_of=None)[0]


def _cards(
    session: Session,
    households: list[Household],
    *,
    issued: dt.date,
    group_of: GroupLookup | None,
) -> list[ContactCard]:
    ids = [h.id for h in households]
    places = {h.id: _places(h.territory_code) for h in households}
    codes = {code for place in places.values() for code in place if code}
    names, leaders = _names(session, codes), _leaders(session, codes)
    heads, members = _heads(session, ids), _members(session, ids)
    groups: dict[str, GroupInfo | None] = {}
    group_of = group_of or _village_group_of(session)
    cards = []
    for household in households:
        village, grid, unit = places[household.id]
        if village not in groups:
            groups[village] = group_of(village)
        group = groups.get(village)
        where = " ".join(names[c] for c in (village, grid, unit) if c and c in names)
        cards.append(
            ContactCard(
                household_number=household.household_no,
                address=household.address,
                territory=where,
                member=members.get(household.id),
                unit_leader=leaders.get(("unit_leader", unit)) if unit else None,
                grid_leader=leaders.get(("grid_leader", grid)) if grid else None,
                group_name=group.name if group else None,
                group_join=group.join if group else None,
                group_join_url=group.join_url if group else None,
                issued=issued,
                head=masked_name(heads.get(household.id)),
            )
        )
    return cards
