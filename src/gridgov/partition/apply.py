"""Applying a division plan in one transaction, and rolling it back.

Apply: new grids and units are created (through the territory rules), kept ones get their
new polygons, households move to their new units with their residents and the cases that
follow them, the posts and role assignments on dissolved nodes end (listed for
reassignment), and the dissolved nodes retire. Everything it replaced goes into the plan's
``before``; rollback puts it back: retired nodes are re-activated (a recorded operation
only rollback may do), households, residents and cases move back, polygons are restored,
and the nodes the plan created retire (their codes are never given again). Ended posts are
not restarted by rollback: they are listed in the effects as "to reappoint", because a
post restarted silently would pretend a leader held it through the gap.

Every step is one batch (a town plan touches thousands of rows): the territory's batch
actions (rules checked once for the batch, retire guards included), the registry's
``do_move_households``, the posts' and role assignments' batch ends, the cases'
relocation; each writes its rows set-based and its audit entries through the recorder's
bulk entry point. The node-by-node path it replaced is kept in the tests as the oracle
these batches are compared with (``tests/partition/node_by_node.py``).

Actions only flush; the caller owns the transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import do_end_roles_on_nodes
from gridgov.audit.actions import do_record
from gridgov.audit.recorder import record_entries
from gridgov.cases.relocation import do_restore_case_places
from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.partition.case_moves import move_cases
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import posts_on
from gridgov.partition.state import NodeRow, ScopeState, fingerprint_of, load_scope
from gridgov.posts.actions import check_end_posts
from gridgov.registry.moves import do_move_households
from gridgov.territory.actions import (
    NewNode,
    NodeShape,
    NodeState,
    check_create_territories,
    check_retire_territories,
    do_redraw_territories,
    do_restore_territories,
    node_rows,
)
from gridgov.territory.codes import ancestors
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

CHUNK = 900  # codes per IN list (well under SQLite's bound-parameter limit)
VILLAGE_CODE_LENGTH, GRID_CODE_LENGTH = 12, 15
_COMPUTED = {"scope_code", "base_fingerprint", "parameters", "summary", "proposal"}
_PLAN_STATE = [
    column.key for column in PartitionPlan.__table__.columns if column.key not in _COMPUTED
]


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _overlapping(plan: PartitionPlan) -> Any:
    """Plans whose scope overlaps this one's (the same node, one under the other)."""
    return or_(
        PartitionPlan.scope_code.like(f"{plan.scope_code}%"),
        PartitionPlan.scope_code.in_(ancestors(plan.scope_code)),
    )


def _node_state(row: Any) -> dict[str, Any]:
    """A node's stored state, as ``plan.before`` keeps it."""
    return {
        "status": row.status,
        "boundary": row.boundary,
        "center_lon": row.center_lon,
        "center_lat": row.center_lat,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
    }


def _lock(session: Session, plan: PartitionPlan) -> None:
    """Serialize apply and rollback over overlapping scopes (PostgreSQL row locks; SQLite
    has one writer at a time anyway): every village of the scope, then the plan row (in
    that order: an apply also writes the other plans of the scope, superseding them). A
    second request waits, then sees the first one's result (and answers 409)."""
    session.execute(
        select(Territory.id)
        .where(within(Territory.code, plan.scope_code[:12]), Territory.level == "village")
        .order_by(Territory.code)
        .with_for_update()
    ).all()
    # The plan as it stands now (another apply may have changed it while this one waited),
    # but for what never changes once computed: its proposal, read once, is thousands of
    # polygons.
    session.refresh(plan, attribute_names=_PLAN_STATE, with_for_update=True)


# ---------------------------------------------------------------- apply


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The cyclic garbage collector leaves the objects that exist now alone until the end:
    the plan's proposal alone is hundreds of thousands of lists (its polygons), and the
    batches allocate enough containers to run full collections that would walk them all,
    again and again (about a third of a town plan's apply). Freezing only moves them out
    of its sight; they are collected as usual afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def check_apply_plan(session: Session, plan: PartitionPlan, *, actor: str) -> PartitionPlan:
    """Apply a planned plan to the division it was computed from (409 if that changed)."""
    with _heap_frozen():
        return _apply(session, plan, actor=actor)


def _apply(session: Session, plan: PartitionPlan, *, actor: str) -> PartitionPlan:
    _lock(session, plan)
    if plan.status != "planned":
        raise Conflict(
            Message(
                "plan %(id)s is %(replace)s, not planned",
                id=plan.id,
                replace=plan.status.replace("_", " "),
            )
        )
    state = load_scope(session, plan.scope_code)
    if state.fingerprint() != plan.base_fingerprint:
        raise Conflict(
            f"the division or households of {plan.scope_code} changed since plan {plan.id} "
            "was computed: compute a new plan",
            fields={"base_fingerprint": Message("stale")},
        )
    proposal = plan.proposal
    today = clock.today()
    grids, units = proposal["grids"], proposal["units"]
    retire = proposal["retire"]
    kept = [part for part in [*grids, *units] if part["kept"]]
    read = node_rows(session, [*retire, *(part["code"] for part in kept)])
    before_nodes = {code: _node_state(row) for code, row in read.items()}
    created = _create_nodes(session, grids, units, actor=actor)
    reshaped = do_redraw_territories(
        session, {part["code"]: _shape(part) for part in kept}, actor=actor, read=read
    )
    moves = {
        h.id: code
        for h in state.households
        for code in [proposal["assignment"].get(h.id) or proposal["unplace"].get(h.id)]
        if code is not None and code != h.territory_code
    }
    moved = do_move_households(
        session, moves.items(), occurred_on=today, details={"plan": plan.id}, actor=actor
    )
    before_cases = move_cases(session, moves, set(retire), units, actor=actor)
    reason = f"grid division plan {plan.id}"
    ended_posts = _end_posts(session, retire, today=today, reason=reason, actor=actor)
    ended_roles = do_end_roles_on_nodes(session, retire, end_date=today, actor=actor)
    check_retire_territories(session, retire, actor=actor)
    plan.before = {
        "nodes": before_nodes,
        "created": created,
        "households": moved.households,
        "residents": moved.residents,
        "cases": before_cases,
    }
    plan.effects = {
        "nodes_created": len(created),
        "nodes_reshaped": len(reshaped),
        "nodes_retired": len(retire),
        "households_moved": len(moves),
        "residents_moved": len(moved.residents),
        "cases_moved": len(before_cases),
        "posts_ended": ended_posts,  # to reassign
        "role_assignments_ended": ended_roles,
        "after_fingerprint": _fingerprint_after(state, created, set(retire), moves),
    }
    plan.status, plan.applied_by = "applied", actor
    plan.applied_at = _application_instant(session, plan)
    _supersede_older(session, plan)
    session.flush()
    do_record(
        session,
        action="apply",
        object_type="partition_plan",
        object_id=plan.id,
        territory_code=plan.scope_code,
        changes={k: v for k, v in plan.effects.items() if isinstance(v, int)},
        actor=actor,
    )
    return plan


def _shape(part: dict[str, Any]) -> NodeShape:
    center = part["center"] or [None, None]
    return NodeShape(part["boundary"], center[0], center[1])


def _create_nodes(
    session: Session, grids: list[dict], units: list[dict], *, actor: str
) -> list[str]:
    """The plan's new grids, then its new units, in one batch (a new unit's grid may be new)."""
    nodes = []
    for part, level, word, word_en in (
        *((g, "grid", "网格", "Grid") for g in grids),
        *((u, "unit", "单元", "Unit") for u in units),
    ):
        if part["kept"]:
            continue
        code = part["code"]
        serial = int(code[12:15] if level == "grid" else code[15:17])
        shape = _shape(part)
        nodes.append(
            NewNode(
                code=code,
                level=level,
                name_zh=f"第{serial}{word}",
                name_en=f"{word_en} {serial}",
                parent_code=code[:12] if level == "grid" else code[:15],
                boundary=shape.boundary,
                center_lon=shape.center_lon,
                center_lat=shape.center_lat,
            )
        )
    check_create_territories(session, nodes, actor=actor)
    return [node.code for node in nodes]


def _fingerprint_after(
    state: ScopeState, created: list[str], retired: set[str], moves: dict[str, str]
) -> str:
    """The scope's fingerprint once the plan is written, from the state read before and
    what apply changed (the same as reading it again; the tests compare the two)."""
    nodes = [node for node in state.nodes.values() if node.code not in retired]
    for code in created:
        grid = len(code) == GRID_CODE_LENGTH
        parent = code[:VILLAGE_CODE_LENGTH] if grid else code[:GRID_CODE_LENGTH]
        nodes.append(NodeRow(code, "grid" if grid else "unit", parent, "active"))
    households = [
        dataclasses.replace(h, territory_code=moves[h.id]) if h.id in moves else h
        for h in state.households
    ]
    return fingerprint_of(state.villages, nodes, households)


def _end_posts(
    session: Session, codes: Sequence[str], *, today: dt.date, reason: str, actor: str
) -> list[dict[str, Any]]:
    ended = posts_on(session, codes)
    check_end_posts(
        session, [row["post_id"] for row in ended], end_date=today, reason=reason, actor=actor
    )
    return ended


def _application_instant(session: Session, plan: PartitionPlan) -> dt.datetime:
    """Now, or just after the latest application over the same ground: ``applied_at`` orders
    the applications (only the latest rolls back), even two within one clock tick."""
    latest = session.scalar(
        select(func.max(PartitionPlan.applied_at)).where(
            _overlapping(plan), PartitionPlan.id != plan.id
        )
    )
    now = clock.now()
    if latest is None or latest < now:
        return now
    return latest + dt.timedelta(microseconds=1)


def _supersede_older(session: Session, plan: PartitionPlan) -> None:
    query = select(PartitionPlan).where(
        _overlapping(plan), PartitionPlan.status == "planned", PartitionPlan.id != plan.id
    )
    for older in session.scalars(query):
        older.status = "superseded"


# ---------------------------------------------------------------- rollback


def check_rollback_plan(session: Session, plan: PartitionPlan, *, actor: str) -> PartitionPlan:
    """Restore the division the plan replaced (409 unless it is the latest applied plan
    over its scope and nothing changed since it was applied)."""
    with _heap_frozen():
        return _rollback(session, plan, actor=actor)


def _rollback(session: Session, plan: PartitionPlan, *, actor: str) -> PartitionPlan:
    _lock(session, plan)
    if plan.status != "applied" or plan.before is None or plan.effects is None:
        raise Conflict(
            Message(
                "plan %(id)s is %(replace)s, not applied",
                id=plan.id,
                replace=plan.status.replace("_", " "),
            )
        )
    later = session.scalar(
        select(PartitionPlan.id).where(
            _overlapping(plan),
            PartitionPlan.status == "applied",
            PartitionPlan.id != plan.id,
            PartitionPlan.applied_at > plan.applied_at,
        )
    )
    if later:
        raise Conflict(
            Message(
                "plan %(later)s was applied after plan %(id)s: roll that back first",
                later=later,
                id=plan.id,
            )
        )
    if load_scope(session, plan.scope_code).fingerprint() != plan.effects["after_fingerprint"]:
        raise Conflict(
            f"the division or households of {plan.scope_code} changed since plan {plan.id} "
            "was applied: it cannot be rolled back exactly",
            fields={"after_fingerprint": Message("stale")},
        )
    before = plan.before
    today = clock.today()
    reactivated = _restore_nodes(session, plan, before["nodes"], actor=actor)
    # Residents follow their households back (they moved with them: the fingerprint says
    # nothing changed since).
    do_move_households(
        session,
        before["households"].items(),
        occurred_on=today,
        details={"plan": plan.id},
        actor=actor,
    )
    do_restore_case_places(session, before["cases"], actor=actor)
    created = sorted(before["created"], key=lambda code: (-len(code), code))
    reason = f"rollback of grid division plan {plan.id}"
    ended_posts = _end_posts(session, created, today=today, reason=reason, actor=actor)
    ended_roles = do_end_roles_on_nodes(session, created, end_date=today, actor=actor)
    check_retire_territories(session, created, actor=actor)
    plan.effects = {
        **plan.effects,
        "rollback": {
            "nodes_reactivated": reactivated,
            "nodes_retired": len(created),
            "households_moved_back": len(before["households"]),
            "cases_moved_back": len(before["cases"]),
            "to_reappoint": plan.effects["posts_ended"],
            "role_assignments_to_reassign": plan.effects["role_assignments_ended"],
            "posts_ended": ended_posts,
            "role_assignments_ended": ended_roles,
        },
    }
    plan.status, plan.rolled_back_by, plan.rolled_back_at = "rolled_back", actor, clock.now()
    session.flush()
    do_record(
        session,
        action="rollback",
        object_type="partition_plan",
        object_id=plan.id,
        territory_code=plan.scope_code,
        changes={"nodes_reactivated": reactivated, "nodes_retired": len(created)},
        actor=actor,
    )
    return plan


def _restore_nodes(
    session: Session, plan: PartitionPlan, states: dict[str, dict[str, Any]], *, actor: str
) -> list[str]:
    """Polygons back; nodes the plan retired active again, each re-activation recorded."""
    reactivated = do_restore_territories(
        session,
        {
            code: NodeState(
                state["status"],
                dt.datetime.fromisoformat(state["retired_at"]) if state["retired_at"] else None,
                NodeShape(state["boundary"], state["center_lon"], state["center_lat"]),
            )
            for code, state in states.items()
        },
        actor=actor,
    )
    record_entries(
        session,
        action="reactivate",
        object_type="territory",
        entries=(
            (node_id, code, {"status": ["retired", "active"], "plan": plan.id})
            for code, node_id in reactivated.items()
        ),
        actor=actor,
    )
    return list(reactivated)
