"""Households and residents made through the real registry actions (every rule applies).

ID numbers are generated valid: checksum, a birth date and sex matching the resident's,
and a Putian region code that existed in the birth year (python-stdnum checks that):
352326 (Putian county, until 1983), 350321 (Putian county, 1983-2002), 350305 (Xiuyu
district, from 2002).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from gridgov.registry.actions import check_create_household, check_create_resident
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory

ACTOR = "test:factory"

_household_serials = itertools.count(1)
_person_serials = itertools.count(1)
_random = random.Random(20260101)


def region_code_for(birth_year: int) -> str:
    """A Putian region code stdnum accepts for someone born in ``birth_year``."""
    if birth_year >= 2002:
        return "350305"
    if birth_year >= 1984:
        return "350321"
    return "352326"


def make_id_number(birth_date: dt.date, sex: str, *, sequence: int | None = None) -> str:
    """A valid resident ID number for this birth date and sex (odd 17th digit: male)."""
    if sequence is None:
        sequence = next(_person_serials)
    order = (sequence % 500) * 2 + (1 if sex == "male" else 0)
    body = f"{region_code_for(birth_date.year)}{birth_date:%Y%m%d}{order:03d}"
    # calc_check_digit takes the number with a check-digit position and ignores it.
    return body + ric.calc_check_digit(body + "0")


def make_phone(sequence: int | None = None) -> str:
    """A valid mainland mobile number, unique per call."""
    if sequence is None:
        sequence = next(_person_serials)
    return f"138{sequence % 10**8:08d}"


def make_household(
    session: Session,
    *,
    unit: Territory,
    household_no: str | None = None,
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    actor: str = ACTOR,
) -> Household:
    """A household in ``unit`` (or, given a village, in that village and not yet placed)."""
    serial = next(_household_serials)
    placed = unit.level == "unit"
    return check_create_household(
        session,
        village_code=unit.code[:12],
        household_no=household_no or f"H{serial:05d}",
        address=address or f"测试路{serial}号",
        unit_code=unit.code if placed else None,
        lon=lon,
        lat=lat,
        actor=actor,
    )


def _has_members(session: Session, household: Household) -> bool:
    return bool(session.scalar(select(exists().where(Resident.household_id == household.id))))


def resident_fields(session: Session, household: Household, **overrides: Any) -> dict[str, Any]:
    """Valid fields for a new resident of ``household``; overrides win."""
    sequence = next(_person_serials)
    sex = overrides.get("sex", "male" if sequence % 2 else "female")
    birth_date = overrides.get(
        "birth_date", dt.date(1940, 1, 1) + dt.timedelta(days=_random.randrange(0, 365 * 80))
    )
    relation = "other_relative" if _has_members(session, household) else "head"
    fields: dict[str, Any] = {
        "household_id": household.id,
        "name": f"测试居民{sequence}",
        "sex": sex,
        "birth_date": birth_date,
        "id_number": make_id_number(birth_date, sex, sequence=sequence),
        "phone": make_phone(sequence),
        "relation_to_head": relation,
        "residence_status": "living_here",
        "key_groups": (),
    }
    fields.update(overrides)
    return fields


def make_resident(
    session: Session, *, household: Household, actor: str = ACTOR, **overrides: Any
) -> Resident:
    """A resident of ``household`` with a valid, matching ID number and a mobile phone.

    The first resident of a household is its head. ``id_number=None`` makes one without.
    """
    return check_create_resident(
        session, **resident_fields(session, household, **overrides), actor=actor
    )
