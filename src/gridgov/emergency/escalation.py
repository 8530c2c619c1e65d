"""Escalation in minutes: a household still unconfirmed ``grid_after_minutes`` after the
start is shown to its grid leader (a grid without one: to its village secretary);
``village_after_minutes`` later, to its village secretary; each time with the reason.

A timer is a row (``roll_call_households.escalate_at``): the job step claims the due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take one row), moves each one
level up in ONE set-based UPDATE, and tells each grid leader or village secretary once per
sweep and roll-call (one message, whatever the number of their nodes) how many of their
households came up, which, and why. A confirmation clears the timer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.recipients import handlers_of_nodes
from gridgov.emergency.counters import apply_delta
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.emergency.notices import notice_title, payload
from gridgov.i18n import Message
from gridgov.notify.outbox import enqueue
from gridgov.storage.bulk import table_of, update_rows
from gridgov.territory.codes import CODE_LENGTH

DEFAULT_BATCH = 2000


def _claim(
    session: Session, now: dt.datetime, batch: int
) -> list[tuple[RollCallHousehold, RollCall]]:
    query = (
        select(RollCallHousehold, RollCall)
        .join(RollCall, RollCall.id == RollCallHousehold.roll_call_id)
        .where(
            RollCallHousehold.escalate_at <= now,
            RollCallHousehold.status == "unconfirmed",
            RollCall.state == "open",
        )
        .order_by(RollCallHousehold.escalate_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=RollCallHousehold.__table__, skip_locked=True)
    return [(row, roll_call) for row, roll_call in session.execute(query).all()]


def _node(row: RollCallHousehold, level: str) -> str:
    code = row.territory_code
    length = CODE_LENGTH["grid"] if level == "grid" else CODE_LENGTH["village"]
    # A household not placed in a grid goes straight to its village.
    return code[:length] if len(code) >= length else code[: CODE_LENGTH["village"]]


def run_rollcall_escalation_step(
    session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH
) -> int:
    """Escalate up to ``batch`` unconfirmed households whose time has come."""
    claimed = _claim(session, now, batch)
    if not claimed:
        return 0
    updates = []
    shown: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (roll-call, level, node)
    first_time: dict[tuple[str, str], int] = defaultdict(int)  # (roll-call, line's node)
    roll_calls: dict[str, RollCall] = {}
    for row, roll_call in claimed:
        roll_calls[roll_call.id] = roll_call
        level = (
            "grid"
            if row.escalated_to is None and len(row.territory_code) >= CODE_LENGTH["grid"]
            else "village"
        )
        later = now + dt.timedelta(minutes=roll_call.village_after_minutes)
        updates.append(
            {
                "roll_call_id": row.roll_call_id,
                "household_id": row.household_id,
                "escalated_to": level,
                "escalated_at": now,
                "escalate_at": later if level == "grid" else None,
            }
        )
        shown[(roll_call.id, level, _node(row, level))].append(row.household_no)
        if row.escalated_to is None:
            first_time[(roll_call.id, row.territory_code)] += 1
    update_rows(
        session.connection(),
        table_of(RollCallHousehold),
        updates,
        match=("roll_call_id", "household_id"),
    )
    for (roll_call_id, code), count in sorted(first_time.items()):
        apply_delta(session, roll_call_id, code, {"escalated": count})
    for row, _ in claimed:
        session.expire(row)
    _tell(session, shown, roll_calls, now)
    return len(updates)


def _tell(
    session: Session,
    shown: dict[tuple[str, str, str], list[str]],
    roll_calls: dict[str, RollCall],
    now: dt.datetime,
) -> None:
    """ONE outbox message per recipient and roll-call in a sweep, whatever the number of
    their nodes (a grid leader of two grids, a secretary who also leads a grid): how many,
    which (per node), and why. Recipients of the same nodes share one row."""
    by_level: dict[str, set[str]] = defaultdict(set)
    for _, level, node in shown:
        by_level[level].add(node)
    leaders = {
        level: handlers_of_nodes(session, sorted(nodes), level) for level, nodes in by_level.items()
    }
    # A grid with no grid leader: its households go to the village's secretary at once, not
    # to nobody until the village step.
    leaderless = sorted(node for node in by_level.get("grid", ()) if not leaders["grid"][node])
    if leaderless:
        village_of = {node: node[: CODE_LENGTH["village"]] for node in leaderless}
        secretaries = handlers_of_nodes(session, sorted(set(village_of.values())), "village")
        for node in leaderless:
            leaders["grid"][node] = secretaries[village_of[node]]
    # (roll-call, user) -> the (level, node) entries shown to that user
    per_user: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for roll_call_id, level, node in sorted(shown):
        for user in leaders[level][node]:
            per_user[(roll_call_id, user)].append((level, node))
    messages: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = defaultdict(list)
    for (roll_call_id, user), listed in sorted(per_user.items()):
        messages[(roll_call_id, tuple(listed))].append(user)
    for (roll_call_id, entries), users in sorted(messages.items()):
        nodes = [
            {
                "node": node,
                "level": level,
                "household_nos": sorted(shown[(roll_call_id, level, node)]),
            }
            for level, node in entries
        ]
        _enqueue_one(session, roll_calls[roll_call_id], users, nodes, now)


def _enqueue_one(
    session: Session,
    roll_call: RollCall,
    users: list[str],
    nodes: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    numbers = sorted(number for entry in nodes for number in entry["household_nos"])
    minutes = int((now - roll_call.started_at).total_seconds() // 60)
    reason = Message(
        "%(count)s households still unconfirmed %(minutes)s minutes after the start",
        count=len(numbers),
        minutes=minutes,
    )
    title = Message("Unconfirmed households: %(title)s", title=notice_title(roll_call))
    # ``node`` and ``level``: the one node, or (several) the widest level's first node.
    widest = min(nodes, key=lambda entry: (len(entry["node"]), entry["node"]))
    enqueue(
        session,
        "rollcall_escalated",
        users,
        payload(roll_call, title, reason)
        | {
            "node": widest["node"],
            "level": widest["level"],
            "household_nos": numbers,
            "nodes": nodes,
        },
    )
