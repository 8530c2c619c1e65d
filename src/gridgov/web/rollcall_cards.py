"""A roll-call household as the page shows it on a card: its line, its head's name and
phone (masked unless revealed, as the roster), whether the caller may reveal the phone to
call (the policy's ``reveal`` on ``roll_call``: a grid leader, secretary or town official
in their territory), and who confirmed it last.

A reveal to call is audited like every other (accounts.reveal.do_reveal), with the reason
the button stands for: phoning the household during this roll-call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.accounts.reveal import Revealable, do_reveal
from gridgov.emergency.confirm import access_roll_call_household
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.emergency.priority import reasons_of
from gridgov.emergency.queries import Line
from gridgov.privacy import mask_phone
from gridgov.registry.models import Household, Resident


@dataclass(frozen=True)
class Card:
    line: Line
    head_name: str
    phone: str  # masked, or in full when revealed
    revealed: bool
    may_call: bool  # the caller may reveal the phone to call it
    own: bool  # the caller's own household (a resident's one tap)
    confirmed_by: str  # the confirmer's display name, when known

    @property
    def row(self) -> RollCallHousehold:
        return self.line.row


def heads_of(session: Session, household_ids: Iterable[str]) -> dict[str, Resident]:
    """Each household's head (the first one when bad data gives two)."""
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    heads: dict[str, Resident] = {}
    for resident in session.scalars(
        select(Resident)
        .where(Resident.household_id.in_(ids), Resident.relation_to_head == "head")
        .order_by(Resident.id)
    ):
        heads.setdefault(resident.household_id, resident)
    return heads


def _confirmer_names(session: Session, lines: list[Line]) -> dict[str, str]:
    usernames = {
        line.row.confirmed_by.removeprefix("user:")
        for line in lines
        if line.row.confirmed_by and line.row.confirmed_by.startswith("user:")
    }
    if not usernames:
        return {}
    return {
        f"user:{username}": name or username
        for username, name in session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        )
    }


def may_call(principal: Principal, row: RollCallHousehold) -> bool:
    return allows(
        principal, "reveal", "roll_call", row.territory_code, household_id=row.household_id
    )


def cards_of(
    session: Session,
    principal: Principal,
    lines: list[Line],
    *,
    revealed: dict[str, str] | None = None,
) -> list[Card]:
    """The cards of ``lines`` (already filtered by the caller's reach); ``revealed``: the
    phones shown in full by a reveal made for this answer, by household id."""
    revealed = revealed or {}
    heads = heads_of(session, [line.row.household_id for line in lines])
    names = _confirmer_names(session, lines)
    cards = []
    for line in lines:
        household_id = line.row.household_id
        head = heads.get(household_id)
        phone = (head.phone if head else None) or ""
        shown = household_id in revealed
        cards.append(
            Card(
                line=line,
                head_name=head.name if head else "",
                phone=revealed[household_id] if shown else (mask_phone(phone) or ""),
                revealed=shown,
                may_call=bool(phone) and may_call(principal, line.row),
                own=principal.household_id == household_id,
                confirmed_by=names.get(line.row.confirmed_by or "", ""),
            )
        )
    return cards


def line_of(session: Session, roll_call: RollCall, household_id: str, principal: Principal) -> Line:
    """One household's line, if the caller may read it (else NotFound)."""
    row = access_roll_call_household(session, roll_call, household_id, principal, "read")
    address = session.scalar(select(Household.address).where(Household.id == household_id))
    return Line(row, address or "", reasons_of(row.priority_reasons))


def reveal_phone_to_call(
    session: Session, roll_call: RollCall, household_id: str, principal: Principal
) -> dict[str, str]:
    """The head's phone in full to call the household (audited), by household id; empty
    when the household has no phone. 404 outside the caller's reach, 403 for a role that
    may never reveal a roll-call's phones; a household the caller reads but may not reveal
    stays masked."""
    row = access_roll_call_household(session, roll_call, household_id, principal, "read")
    head = heads_of(session, [household_id]).get(household_id)
    if head is None or not head.phone:
        return {}
    record = Revealable("residents", head.id, row.territory_code, household_id)
    reason = f"roll-call {roll_call.id}: phoning household {row.household_no}"
    shown = do_reveal(session, principal, "roll_call", [record], fields=["phone"], reason=reason)
    return {household_id: head.phone} if head.id in shown else {}
