"""Shelters: places with a capacity and a keeper, per village. Arrivals are the people of
the households whose standing confirmation is "moved to this shelter" in a roll-call not
closed yet; free places are what is left of the capacity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require, require_target
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.emergency.models import RollCall, RollCallHousehold, Shelter
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.territory.models import Territory
from gridgov.territory.scope import within
from gridgov.validation import Problems, clean_lon_lat, clean_text

MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class ShelterLoad:
    shelter: Shelter
    arrivals: int

    @property
    def free(self) -> int:
        return max(self.shelter.capacity - self.arrivals, 0)

    @property
    def over_capacity(self) -> bool:
        return self.arrivals > self.shelter.capacity


def check_create_shelter(
    session: Session,
    *,
    village_code: str,
    name: str,
    capacity: int,
    address: str = "",
    keeper_user_id: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    principal: Principal | None,
    actor: str,
) -> Shelter:
    """A shelter in a village the caller may add one to (village secretary, town official)."""
    if principal is not None:
        require_target(principal, "create", "shelter", village_code, field="village_code")
    problems = Problems()
    village = session.scalar(
        select(Territory).where(Territory.code == village_code, Territory.status == "active")
    )
    if village is None or village.level != "village":
        problems.add("village_code", Message("not an active village"))
    clean_name = problems.check("name", clean_text, name, max_length=100)
    clean_address = (
        problems.check("address", clean_text, address, max_length=255) if address.strip() else ""
    )
    _check_capacity_and_keeper(session, problems, capacity, keeper_user_id)
    problems.add_all(clean_lon_lat(lon, lat))
    problems.raise_if_any()
    shelter = Shelter(
        village_code=village_code,
        name=clean_name,
        address=clean_address or "",
        capacity=capacity,
        keeper_user_id=keeper_user_id,
        lon=lon,
        lat=lat,
        active=True,
        created_by=actor,
    )
    session.add(shelter)
    session.flush()
    return shelter


def _check_capacity_and_keeper(
    session: Session, problems: Problems, capacity: int, keeper_user_id: str | None
) -> None:
    if not 0 <= capacity <= MAX_CAPACITY:
        problems.add("capacity", Message("between 0 and %(most)s", most=MAX_CAPACITY))
    if keeper_user_id is not None and session.get(User, keeper_user_id) is None:
        problems.add("keeper_user_id", Message("no user has this id"))


def access_shelter(
    session: Session, shelter_id: str, principal: Principal | None, action: str = "read"
) -> Shelter:
    """An active shelter the principal may ``action`` (its village's code decides), else
    the NotFound of a missing one."""
    if principal is not None:
        require(principal, action, "shelter")
    shelter = session.get(Shelter, shelter_id)
    if (
        shelter is None
        or not shelter.active
        or (
            principal is not None and not allows(principal, action, "shelter", shelter.village_code)
        )
    ):
        raise NotFound(Message("no shelter has id %(id)s", id=shelter_id))
    return shelter


def check_update_shelter(
    session: Session,
    shelter_id: str,
    *,
    capacity: int,
    keeper_user_id: str | None,
    principal: Principal | None,
    actor: str,
) -> Shelter:
    """Change a shelter's capacity and keeper (``None``: no keeper): those who may add one
    in its village. Arrivals already counted stay; a capacity below them shows the shelter
    over capacity."""
    shelter = access_shelter(session, shelter_id, principal, "update")
    problems = Problems()
    _check_capacity_and_keeper(session, problems, capacity, keeper_user_id)
    problems.raise_if_any()
    shelter.capacity = capacity
    shelter.keeper_user_id = keeper_user_id
    session.flush()
    return shelter


def arrivals(session: Session, shelter_ids: list[str]) -> dict[str, int]:
    """People arrived at each shelter (a household's stated people, else its members)."""
    if not shelter_ids:
        return {}
    people = func.coalesce(RollCallHousehold.moved_people, RollCallHousehold.people)
    rows = session.execute(
        select(RollCallHousehold.shelter_id, func.sum(people))
        .join(RollCall, RollCall.id == RollCallHousehold.roll_call_id)
        .where(
            RollCallHousehold.shelter_id.in_(shelter_ids),
            RollCallHousehold.status == "moved_shelter",
            RollCall.state != "closed",
        )
        .group_by(RollCallHousehold.shelter_id)
    ).all()
    found = {shelter_id: int(total or 0) for shelter_id, total in rows}
    return {shelter_id: found.get(shelter_id, 0) for shelter_id in shelter_ids}


def list_shelters(
    session: Session,
    *,
    territory: str | None,
    principal: Principal | None,
    limit: int,
    offset: int,
) -> tuple[list[ShelterLoad], int]:
    """Active shelters (under ``territory``), with their arrivals and free places."""
    if principal is not None:
        require(principal, "read", "shelter")
    query = select(Shelter).where(Shelter.active.is_(True))
    if territory is not None:
        reach_territory(session, principal, "read", "shelter", territory)  # unknown: 404
        if len(territory) > 12:
            territory = territory[:12]  # a grid or unit: its village's shelters
        query = query.where(within(Shelter.village_code, territory))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shelters = list(
        session.scalars(
            query.order_by(Shelter.village_code, Shelter.name).limit(limit).offset(offset)
        )
    )
    loads = arrivals(session, [shelter.id for shelter in shelters])
    return [ShelterLoad(shelter, loads[shelter.id]) for shelter in shelters], int(total)
