"""The registry's rules on other packages' writes (installed by gridgov.database.hooks)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.territory.models import Territory


def refuse_retiring_with_active_households(session: Session, node: Territory) -> None:
    """A node that active households are placed in is not retired: move them first."""
    household = session.scalar(
        select(Household.household_no)
        .where(Household.territory_code == node.code, Household.status == "active")
        .limit(1)
    )
    if household:
        raise Conflict(
            f"territory {node.code} still has active households (e.g. {household}): "
            "move them first",
            fields={"code": Message("has active households")},
        )
