"""The counts of a roll-call kept per node as its lines change.

What one line adds to its node's counts is :func:`contribution` (pure); a change of a line
moves its node's counts by the difference (:func:`delta`), written in the same transaction
as the line, under the line's row lock, so the counts always equal a recount of the lines
(tests/emergency check it after concurrent confirmations). The counts are built at the
start by one grouped INSERT ... SELECT over the new lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import Integer, case, func, select, update
from sqlalchemy.orm import Session

from gridgov.emergency.models import MOVED, RollCallCount, RollCallHousehold
from gridgov.storage.bulk import table_of

CHANGING: Final = (
    "confirmed",
    "unconfirmed",
    "moved",
    "needs_help",
    "returned",
    "priority_unconfirmed",
    "escalated",
)
COUNTED: Final = ("households", "priority", *CHANGING)


def contribution(status: str, priority: bool, escalated: bool) -> dict[str, int]:
    """What one line adds to the counts that change."""
    unconfirmed = status == "unconfirmed"
    return {
        "confirmed": int(not unconfirmed),
        "unconfirmed": int(unconfirmed),
        "moved": int(status in MOVED),
        "needs_help": int(status == "needs_help"),
        "returned": int(status == "returned"),
        "priority_unconfirmed": int(unconfirmed and priority),
        "escalated": int(unconfirmed and escalated),
    }


def delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """The non-zero differences."""
    return {name: after[name] - before[name] for name in CHANGING if after[name] != before[name]}


def apply_delta(
    session: Session, roll_call_id: str, territory_code: str, change: Mapping[str, int]
) -> None:
    if not change:
        return
    table = table_of(RollCallCount)
    session.execute(
        update(table)
        .where(table.c.roll_call_id == roll_call_id, table.c.territory_code == territory_code)
        .values({name: table.c[name] + amount for name, amount in change.items()})
    )


def build_counts(session: Session, roll_call_id: str) -> None:
    """The counts of every node of a new roll-call, from its lines, in one statement."""
    line = RollCallHousehold
    unconfirmed = line.status == "unconfirmed"

    def count_if(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    source = (
        select(
            line.roll_call_id,
            line.territory_code,
            func.count(),
            count_if(line.priority),
            count_if(~unconfirmed),
            count_if(unconfirmed),
            count_if(line.status.in_(MOVED)),
            count_if(line.status == "needs_help"),
            count_if(line.status == "returned"),
            count_if(unconfirmed & line.priority),
            count_if(unconfirmed & line.escalated_to.is_not(None)),
        )
        .where(line.roll_call_id == roll_call_id)
        .group_by(line.roll_call_id, line.territory_code)
    )
    names = ["roll_call_id", "territory_code", *COUNTED]
    session.execute(table_of(RollCallCount).insert().from_select(names, source))
