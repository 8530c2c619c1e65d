"""Household scopes come from providers the owning package registers (OWN, CONTACT)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import ColumnElement, column, false

from gridgov.access import providers
from gridgov.access.policy import allows, scope_filter
from gridgov.access.principal import Principal, Scope
from gridgov.access.providers import (
    CONTACT,
    OWN,
    OwnHousehold,
    household_scope,
    register_household_scope,
)

HOUSEHOLD = column("household_id")
CODE = column("territory_code")


class Listed:
    """A provider over a fixed set of households (what the contacts issue will bring)."""

    def __init__(self, *household_ids: str) -> None:
        self.household_ids = household_ids

    def condition(self, principal: Principal, household_column: Any) -> ColumnElement[bool]:
        return household_column.in_(self.household_ids) if self.household_ids else false()

    def contains(self, principal: Principal, household_id: str) -> bool:
        return household_id in self.household_ids

    def codes(self, principal: Principal) -> frozenset[str]:
        return frozenset()


@pytest.fixture
def restore_contact() -> Iterator[None]:
    before = household_scope(CONTACT)
    yield
    register_household_scope(CONTACT, before)


def party_member(household_id: str | None = "h-own") -> Principal:
    return Principal(
        user_id="u1",
        username="member",
        household_id=household_id,
        scopes=(Scope("party_member", "350305001"),),
    )


def test_the_hooks_register_the_assigned_households_as_contact() -> None:
    from gridgov.contacts.scope import AssignedHouseholds
    from gridgov.database.hooks import install

    install()

    assert isinstance(household_scope(CONTACT), AssignedHouseholds)
    assert isinstance(household_scope(OWN), OwnHousehold)
    # A party member reaches the households assigned to them, not their own.
    member = dataclasses.replace(
        party_member(),
        contact_household_ids=frozenset({"h-1"}),
        contact_codes=frozenset({"3503050010"}),
    )
    condition = scope_filter(member, "read", "household", CODE, household_column=HOUSEHOLD)
    assert condition.compare(HOUSEHOLD.in_(["h-1"]))
    nothing = scope_filter(party_member(), "read", "household", CODE, household_column=HOUSEHOLD)
    assert nothing.compare(false())


def test_a_registered_provider_decides_the_contact_households(restore_contact) -> None:
    register_household_scope(CONTACT, Listed("h-1", "h-2"))
    condition = scope_filter(party_member(), "read", "household", CODE, household_column=HOUSEHOLD)
    assert condition.compare(HOUSEHOLD.in_(("h-1", "h-2")))
    assert allows(party_member(), "read", "household", "350305001001", household_id="h-2")
    assert not allows(party_member(), "read", "household", "350305001001", household_id="h-own")


def test_only_household_rules_take_providers_and_a_missing_one_is_an_error(
    restore_contact,
) -> None:
    with pytest.raises(ValueError, match="not a household rule"):
        register_household_scope("SUB", Listed())
    del providers._PROVIDERS[CONTACT]
    with pytest.raises(LookupError, match="no household scope is registered for CONTACT"):
        scope_filter(party_member(), "read", "household", CODE, household_column=HOUSEHOLD)
