"""The live picture pushed over the events socket (gridgov.notify.realtime).

Each confirmation publishes, on the stream ``rollcall:<id>``, a ``counts`` event: the
household's node and the change (``from`` and ``to`` status, ``stands``), and the exact counts
of its unit, grid and village as they are in the writer's transaction (one statement over
the village's index range of per-node counts, never the whole roll-call). No personal
field: ids of nodes and counts only.

:func:`roll_call_streams` is the resolver registered with ``register_streams``
(database/hooks.py): a socket receives the streams of the roll-calls not closed whose node
the caller's roles reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.policy import may, reaches
from gridgov.access.principal import Principal
from gridgov.emergency.models import RollCall
from gridgov.emergency.queries import nested_node_counts
from gridgov.notify.realtime import publish
from gridgov.territory.codes import CODE_LENGTH


def stream_of(roll_call: RollCall) -> str:
    return f"rollcall:{roll_call.id}"


def _nodes_of(code: str) -> list[str]:
    return [
        code[:length]
        for level, length in CODE_LENGTH.items()
        if level in ("village", "grid", "unit") and len(code) >= length
    ]


def publish_counts(
    session: Session,
    roll_call: RollCall,
    code: str,
    *,
    change: dict[str, Any] | None = None,
    kind: str = "counts",
) -> None:
    """Publish the counts of the nodes above ``code`` (a household's node) in the roll-call."""
    session.flush()
    found = nested_node_counts(session, roll_call, _nodes_of(code))
    counts = {node: asdict(one) for node, one in found.items()}
    payload: dict[str, Any] = {
        "roll_call_id": roll_call.id,
        "drill": roll_call.drill,
        "node": code,
        "nodes": counts,
    }
    if change is not None:
        payload["change"] = change
    publish(session, stream=stream_of(roll_call), kind=kind, payload=payload)


def publish_state(session: Session, roll_call: RollCall) -> None:
    """The roll-call's state changed (started, all-clear, closed)."""
    publish(
        session,
        stream=stream_of(roll_call),
        kind="state",
        payload={"roll_call_id": roll_call.id, "state": roll_call.state, "drill": roll_call.drill},
    )


def roll_call_streams(session: Session, principal: Principal) -> Iterable[str]:
    """The streams of the roll-calls not closed that ``principal`` may see."""
    if not may(principal, "read", "roll_call"):
        return []
    rows = session.execute(
        select(RollCall.id, RollCall.territory_code).where(RollCall.state != "closed")
    ).all()
    return [
        f"rollcall:{roll_call_id}"
        for roll_call_id, code in rows
        if reaches(principal, "read", "roll_call", code)
    ]
