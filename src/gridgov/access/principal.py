"""Who is asking: a user with the roles they hold today, each scoped to a territory node.

The dataclasses only: accounts.principal.principal_for loads one from the user's role
assignments, the posts of the resident they are linked to, and that resident's household.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridgov.access.roles import ROLES


@dataclass(frozen=True)
class Scope:
    """One role on one node: the node and everything under it (see policy.POLICY)."""

    role: str
    territory_code: str | None  # None: the whole platform (an administrator only)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    resident_id: str | None = None
    household_id: str | None = None  # the linked resident's household
    household_code: str | None = None  # that household's territory code
    scopes: tuple[Scope, ...] = ()
    # The households a party member looks after (their contact households) and their nodes:
    # what the CONTACT rule reaches (gridgov.contacts fills them through accounts.principal).
    contact_household_ids: frozenset[str] = frozenset()
    contact_codes: frozenset[str] = frozenset()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(scope.role for scope in self.scopes)

    @property
    def actor(self) -> str:
        """How writes by this principal are recorded."""
        return f"user:{self.username}"
