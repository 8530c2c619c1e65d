"""The registry's rules on other packages' writes (installed by gridgov.database.hooks)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.registry.models import Household

CHUNK = 900  # codes per IN list (well under SQLite's bound-parameter limit)


def refuse_retiring_with_active_households(session: Session, codes: Sequence[str]) -> None:
    """A node that active households are placed in is not retired: move them first."""
    ordered = sorted(set(codes))
    for start in range(0, len(ordered), CHUNK):
        found = session.execute(
            select(Household.territory_code, Household.household_no)
            .where(
                Household.territory_code.in_(ordered[start : start + CHUNK]),
                Household.status == "active",
            )
            .order_by(Household.territory_code, Household.household_no)
            .limit(1)
        ).first()
        if found:
            raise Conflict(
                f"territory {found.territory_code} still has active households "
                f"(e.g. {found.household_no}): move them first",
                fields={"code": Message("has active households")},
            )
