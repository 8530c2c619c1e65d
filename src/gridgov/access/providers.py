"""The households a principal reaches under the policy's household rules (OWN, CONTACT).

Which households those are is data of higher layers (contact households, later group
membership), so the package that owns the data registers a provider here, at import time,
and the policy asks it; access never imports those packages. OWN, the household of the
resident the user is linked to, is registered here: the Principal carries its id.

A provider answers twice, for the same set of households: as an SQL condition on a row's
household column (policy.scope_filter) and for one household id (policy.allows).
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, false

from gridgov.access.principal import Principal

OWN, CONTACT, MEMBER = "OWN", "CONTACT", "MEMBER"
HOUSEHOLD_RULES: Final = (OWN, CONTACT)


class HouseholdScope(Protocol):
    """The households a principal reaches under one household rule."""

    def condition(self, principal: Principal, household_column: Any) -> ColumnElement[bool]:
        """SQL: the row's household is one of them (``false()`` when there is none)."""
        ...

    def contains(self, principal: Principal, household_id: str) -> bool:
        """The same rule for one household id."""
        ...

    def codes(self, principal: Principal) -> frozenset[str]:
        """The territory codes of those households (a ``territory=CODE`` filter reaches a
        node on or above one of them: policy.reaches)."""
        ...


class OwnHousehold:
    """The household of the resident the user is linked to (Principal.household_id)."""

    def condition(self, principal: Principal, household_column: Any) -> ColumnElement[bool]:
        if principal.household_id is None:
            return false()
        return household_column == principal.household_id

    def contains(self, principal: Principal, household_id: str) -> bool:
        return principal.household_id is not None and household_id == principal.household_id

    def codes(self, principal: Principal) -> frozenset[str]:
        return frozenset({principal.household_code}) if principal.household_code else frozenset()


_PROVIDERS: dict[str, HouseholdScope] = {OWN: OwnHousehold()}


def register_household_scope(rule: str, provider: HouseholdScope) -> None:
    """Make ``provider`` answer for ``rule`` (OWN or CONTACT), replacing the one before."""
    if rule not in HOUSEHOLD_RULES:
        raise ValueError(f"not a household rule: {rule!r}; one of {', '.join(HOUSEHOLD_RULES)}")
    _PROVIDERS[rule] = provider


def household_scope(rule: str) -> HouseholdScope:
    """The provider registered for ``rule``. A rule nobody registered is an error, not an
    empty set: a missing import would otherwise hide households without a word."""
    try:
        return _PROVIDERS[rule]
    except KeyError:
        raise LookupError(
            f"no household scope is registered for {rule}; the package that owns its data "
            "registers one when imported (gridgov.accounts for CONTACT)"
        ) from None


class MemberScope(Protocol):
    """The groups a principal is a member of (the MEMBER rule), registered by the groups
    package: an SQL condition on a row's group id column, and the same for one id."""

    def condition(self, principal: Principal, group_column: Any) -> ColumnElement[bool]: ...

    def contains(self, principal: Principal, group_id: str) -> bool: ...


class NoGroups:
    """Until the groups package registers its provider: a member of nothing."""

    def condition(self, principal: Principal, group_column: Any) -> ColumnElement[bool]:
        return false()

    def contains(self, principal: Principal, group_id: str) -> bool:
        return False


_MEMBER: list[MemberScope] = [NoGroups()]


def register_member_scope(provider: MemberScope) -> None:
    """Make ``provider`` answer for MEMBER (replacing the one before)."""
    _MEMBER[:] = [provider]


def member_scope() -> MemberScope:
    return _MEMBER[0]
