"""The division in force over a plan's scope, read from the database, and its fingerprint.

A plan is computed from this state and applied to it; the fingerprint (a hash of every
grid and unit node and every active household's place) tells apply whether the state
changed since the plan was made, and rollback whether it changed since apply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.territory.codes import level_of
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

SCOPE_LEVELS = ("village", "town")


@dataclass(frozen=True)
class NodeRow:
    code: str
    level: str
    parent_code: str | None
    status: str


@dataclass(frozen=True)
class HouseholdRow:
    id: str
    village_code: str
    territory_code: str
    lon: float | None
    lat: float | None


@dataclass
class ScopeState:
    """Active villages of the scope, their grids and units (any status), their households."""

    scope: Territory
    villages: list[Territory]
    nodes: dict[str, NodeRow]  # grid and unit nodes by code, retired ones included
    households: list[HouseholdRow]  # active households of the villages

    @property
    def village_codes(self) -> list[str]:
        return [village.code for village in self.villages]

    def active(self, code: str) -> bool:
        node = self.nodes.get(code)
        return node is not None and node.status == "active"

    def fingerprint(self) -> str:
        return fingerprint_of(self.villages, self.nodes.values(), self.households)


def fingerprint_of(villages: Any, nodes: Any, households: Any) -> str:
    """SHA-256 over the villages' boundaries, the active grids and units (code, parent) and
    every household's place and point. Content only, no versions: after a rollback the
    state is the same as before the plan, so an earlier plan can be rolled back next. (A
    grid's own polygon is left out: apply redraws it anyway and records the one it
    replaced, and hashing thousands of polygons would cost seconds.)"""
    digest = hashlib.sha256()
    parts = [
        sorted([v.code, v.boundary] for v in villages),
        sorted([n.code, n.parent_code] for n in nodes if n.status == "active"),
        sorted([h.id, h.territory_code, h.lon, h.lat] for h in households),
    ]
    for part in parts:
        digest.update(json.dumps(part, separators=(",", ":"), sort_keys=True).encode())
    return digest.hexdigest()


def check_scope(session: Session, scope_code: str) -> Territory:
    """The active village or town a plan covers (422 naming ``scope_code`` otherwise)."""
    if level_of(scope_code) not in SCOPE_LEVELS:
        raise ValidationFailed.field(
            "scope_code", Message("a plan covers a village or a town code")
        )
    node = session.scalar(select(Territory).where(Territory.code == scope_code))
    if node is None:
        raise NotFound(
            Message("no territory has code %(scope_code)s", scope_code=scope_code),
            fields={"scope_code": Message("not found")},
        )
    if node.status != "active":
        raise ValidationFailed.field(
            "scope_code", Message("%(scope_code)s is retired", scope_code=scope_code)
        )
    return node


def load_scope(session: Session, scope_code: str) -> ScopeState:
    scope = check_scope(session, scope_code)
    villages = list(
        session.scalars(
            select(Territory)
            .where(
                within(Territory.code, scope_code),
                Territory.level == "village",
                Territory.status == "active",
            )
            .order_by(Territory.code)
        )
    )
    village_codes = {village.code for village in villages}
    rows = session.execute(
        select(
            Territory.code,
            Territory.level,
            Territory.parent_code,
            Territory.status,
        ).where(within(Territory.code, scope_code), Territory.level.in_(("grid", "unit")))
    )
    nodes = {row.code: NodeRow(*row) for row in rows if row.code[:12] in village_codes}
    households = [
        HouseholdRow(*row)
        for row in session.execute(
            select(
                Household.id,
                Household.village_code,
                Household.territory_code,
                Household.lon,
                Household.lat,
            )
            .where(within(Household.village_code, scope_code), Household.status == "active")
            .order_by(Household.id)
        )
        if row.village_code in village_codes
    ]
    return ScopeState(scope, villages, nodes, households)
