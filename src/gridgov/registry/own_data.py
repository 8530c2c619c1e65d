"""A resident's own data, for them to take away: their record unmasked, their household
(other members' personal fields masked: those are not theirs), life events, and the
sections the packages above the registry hold about them (posts), each added here as a
provider by :mod:`gridgov.database.hooks`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.actions import do_record
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.privacy import mask_id_number, mask_phone
from gridgov.registry.models import Household, RegistryEvent, Resident, ResidentKeyGroup

# A section's name in the export, and what it holds for one resident (given their id).
SectionProvider = Callable[[Session, str], Any]

_sections: dict[str, SectionProvider] = {}


def add_section(name: str, provider: SectionProvider) -> None:
    """Add ``name`` to every own-data export, filled by ``provider`` (the last one wins)."""
    if name in ("exported_at", "resident", "household", "events"):
        raise ValueError(f"{name} is the registry's own section")
    _sections[name] = provider


def sections() -> tuple[str, ...]:
    return tuple(_sections)


def _person(resident: Resident, *, masked: bool) -> dict[str, Any]:
    return {
        "id": resident.id,
        "name": resident.name,
        "sex": resident.sex,
        "birth_date": resident.birth_date.isoformat(),
        "id_number": mask_id_number(resident.id_number) if masked else resident.id_number,
        "phone": mask_phone(resident.phone) if masked else resident.phone,
        "relation_to_head": resident.relation_to_head,
        "residence_status": resident.residence_status,
    }


def export_resident_data(session: Session, resident_id: str, *, actor: str) -> dict[str, Any]:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(Message("your resident record is not there"))
    household = session.get(Household, resident.household_id)
    assert household is not None
    members = session.scalars(
        select(Resident).where(Resident.household_id == household.id, Resident.id != resident.id)
    ).all()
    tags = session.scalars(
        select(ResidentKeyGroup.key_group_code).where(ResidentKeyGroup.resident_id == resident.id)
    ).all()
    events = session.scalars(
        select(RegistryEvent)
        .where(
            or_(
                RegistryEvent.resident_id == resident.id, RegistryEvent.household_id == household.id
            )
        )
        .order_by(RegistryEvent.occurred_on, RegistryEvent.recorded_at)
    ).all()
    do_record(
        session,
        action="export",
        object_type="residents",
        object_id=resident.id,
        territory_code=resident.territory_code,
        changes={"what": "own data"},
        actor=actor,
    )
    return {
        "exported_at": clock.local_iso(clock.now()),
        "resident": {**_person(resident, masked=False), "key_groups": sorted(tags)},
        "household": {
            "id": household.id,
            "household_no": household.household_no,
            "village_code": household.village_code,
            "unit_code": household.unit_code,
            "address": household.address,
            "status": household.status,
            "members": [_person(member, masked=True) for member in members],
        },
        "events": [
            {
                "kind": e.kind,
                "occurred_on": e.occurred_on.isoformat(),
                "details": e.details,
                "recorded_at": clock.local_iso(e.recorded_at),
            }
            for e in events
        ],
        **{name: provider(session, resident.id) for name, provider in _sections.items()},
    }
