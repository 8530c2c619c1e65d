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

Actions only flush; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import do_end_roles_on_nodes
from gridgov.audit.actions import do_record
from gridgov.cases.levels import handler_code_for, lowest_level_of, rank
from gridgov.cases.models import Case
from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import posts_on
from gridgov.partition.state import load_scope
from gridgov.posts.actions import check_end_post
from gridgov.posts.models import Post
from gridgov.registry.moves import HouseholdsMoved, do_move_households
from gridgov.territory.actions import check_create_territory, check_retire_territory
from gridgov.territory.codes import ancestors
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

CHUNK = 900  # ids per IN list (well under SQLite's bound-parameter limit)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _overlapping(plan: PartitionPlan) -> Any:
    """Plans whose scope overlaps this one's (the same node, one under the other)."""
    return or_(
        PartitionPlan.scope_code.like(f"{plan.scope_code}%"),
        PartitionPlan.scope_code.in_(ancestors(plan.scope_code)),
    )


def _nodes(session: Session, codes: Iterable[str]) -> dict[str, Territory]:
    found: dict[str, Territory] = {}
    for chunk in _chunks(sorted(set(codes))):
        for node in session.scalars(select(Territory).where(Territory.code.in_(chunk))):
            found[node.code] = node
    return found


def _node_state(node: Territory) -> dict[str, Any]:
    return {
        "status": node.status,
        "boundary": node.boundary,
        "center_lon": node.center_lon,
        "center_lat": node.center_lat,
        "retired_at": node.retired_at.isoformat() if node.retired_at else None,
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
    session.refresh(plan, with_for_update=True)


# ---------------------------------------------------------------- apply


def check_apply_plan(session: Session, plan: PartitionPlan, *, actor: str) -> PartitionPlan:
    """Apply a planned plan to the division it was computed from (409 if that changed)."""
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
    reason = f"grid division plan {plan.id}"
    grids, units = proposal["grids"], proposal["units"]
    touched = _nodes(
        session,
        [*proposal["retire"], *(p["code"] for p in [*grids, *units] if p["kept"])],
    )
    before_nodes = {code: _node_state(node) for code, node in touched.items()}
    created = _create_nodes(session, grids, units, actor=actor)
    reshaped = _reshape_kept(session, [*grids, *units], touched, actor=actor)
    moves = {
        h.id: code
        for h in state.households
        for code in [proposal["assignment"].get(h.id) or proposal["unplace"].get(h.id)]
        if code is not None and code != h.territory_code
    }
    moved = _move_households(session, moves, plan=plan, actor=actor)
    before_households, before_residents = moved.households, moved.residents
    before_cases = _move_cases(session, moves, set(proposal["retire"]), units, actor=actor)
    ended_posts = _end_posts(session, proposal["retire"], today=today, reason=reason, actor=actor)
    ended_roles = do_end_roles_on_nodes(session, proposal["retire"], end_date=today, actor=actor)
    for code in proposal["retire"]:
        check_retire_territory(session, touched[code], actor=actor)
    plan.before = {
        "nodes": before_nodes,
        "created": created,
        "households": before_households,
        "residents": before_residents,
        "cases": before_cases,
    }
    plan.effects = {
        "nodes_created": len(created),
        "nodes_reshaped": reshaped,
        "nodes_retired": len(proposal["retire"]),
        "households_moved": len(moves),
        "residents_moved": len(before_residents),
        "cases_moved": len(before_cases),
        "posts_ended": ended_posts,  # to reassign
        "role_assignments_ended": ended_roles,
        "after_fingerprint": load_scope(session, plan.scope_code).fingerprint(),
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


def _create_nodes(
    session: Session, grids: list[dict], units: list[dict], *, actor: str
) -> list[str]:
    created = []
    for part, level, word, word_en in (
        *((g, "grid", "网格", "Grid") for g in grids),
        *((u, "unit", "单元", "Unit") for u in units),
    ):
        if part["kept"]:
            continue
        code = part["code"]
        serial = int(code[12:15] if level == "grid" else code[15:17])
        center = part["center"] or [None, None]
        check_create_territory(
            session,
            code=code,
            level=level,
            name_zh=f"第{serial}{word}",
            name_en=f"{word_en} {serial}",
            parent_code=code[:12] if level == "grid" else code[:15],
            boundary=part["boundary"],
            center_lon=center[0],
            center_lat=center[1],
            actor=actor,
        )
        created.append(code)
    return created


def _reshape_kept(
    session: Session, parts: list[dict], nodes: dict[str, Territory], *, actor: str
) -> int:
    """Kept nodes take their new polygons (and centres). Direct writes: a division plan
    is the one place a kept node's boundary is redrawn with its neighbours'."""
    changed = 0
    for part in parts:
        node = nodes.get(part["code"]) if part["kept"] else None
        if node is None or node.boundary == part["boundary"]:
            continue
        center = part["center"] or [None, None]
        node.boundary = part["boundary"]
        node.center_lon, node.center_lat = center[0], center[1]
        node.updated_by = actor
        changed += 1
    session.flush()
    return changed


def _move_households(
    session: Session, moves: dict[str, str], *, plan: PartitionPlan, actor: str
) -> HouseholdsMoved:
    """Households and their residents to their new places, through the registry (their
    ``unit_changed`` events carry the plan's id)."""
    return do_move_households(
        session, moves.items(), occurred_on=clock.today(), details={"plan": plan.id}, actor=actor
    )


def _case_place(case: Case, code: str) -> tuple[str, str, str]:
    """(territory code, level, handler code) of a case moved to ``code``."""
    level = case.level
    if rank(level) < rank(lowest_level_of(code)):
        level = lowest_level_of(code)  # a case now located higher starts no lower
    return code, level, handler_code_for(code, level)


def _locate(point: Point | None, units: list[dict], village_code: str) -> str:
    if point is not None:
        for unit in units:
            inside = unit["code"].startswith(village_code) and unit["boundary"]
            if inside and shape(unit["boundary"]).covers(point):
                return unit["code"]
    return village_code


def _move_cases(
    session: Session, moves: dict[str, str], retired: set[str], units: list[dict], *, actor: str
) -> dict[str, list[str]]:
    """Cases of moved households follow them; cases located on a dissolved node move to
    the new unit under their point, else to their village. Answers their places before."""
    found: dict[str, Case] = {}
    for chunk in _chunks(sorted(moves)):
        found.update(
            {c.id: c for c in session.scalars(select(Case).where(Case.household_id.in_(chunk)))}
        )
    for chunk in _chunks(sorted(retired)):
        query = select(Case).where(
            or_(Case.territory_code.in_(chunk), Case.handler_code.in_(chunk))
        )
        found.update({c.id: c for c in session.scalars(query)})
    before = {}
    for case in found.values():
        if case.household_id in moves:
            code = moves[case.household_id]
        elif case.territory_code in retired or case.handler_code in retired:
            point = None if case.lon is None else Point(case.lon, case.lat)
            code = _locate(point, units, case.territory_code[:12])
        else:
            continue
        place = _case_place(case, code)
        if place == (case.territory_code, case.level, case.handler_code):
            continue
        before[case.id] = [case.territory_code, case.level, case.handler_code]
        case.territory_code, case.level, case.handler_code = place
    session.flush()
    return before


def _end_posts(
    session: Session, codes: Sequence[str], *, today: dt.date, reason: str, actor: str
) -> list[dict[str, Any]]:
    ended = posts_on(session, codes)
    ids = [row["post_id"] for row in ended]
    for chunk in _chunks(ids):
        for post in session.scalars(select(Post).where(Post.id.in_(chunk))):
            check_end_post(session, post, end_date=today, reason=reason, actor=actor)
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
    reason = f"rollback of grid division plan {plan.id}"
    today = clock.today()
    nodes = _nodes(session, [*before["nodes"], *before["created"]])
    reactivated = _restore_nodes(session, plan, nodes, before["nodes"], actor=actor)
    # Residents follow their households back (they moved with them: the fingerprint says
    # nothing changed since).
    _move_households(session, before["households"], plan=plan, actor=actor)
    _restore_cases(session, before["cases"])
    created = sorted(before["created"], key=lambda code: (-len(code), code))
    ended_posts = _end_posts(session, created, today=today, reason=reason, actor=actor)
    ended_roles = do_end_roles_on_nodes(session, created, end_date=today, actor=actor)
    for code in created:
        check_retire_territory(session, nodes[code], actor=actor)
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
    session: Session,
    plan: PartitionPlan,
    nodes: dict[str, Territory],
    states: dict[str, dict[str, Any]],
    *,
    actor: str,
) -> list[str]:
    """Polygons back; nodes the plan retired active again (grids before their units)."""
    reactivated = []
    for code in sorted(states, key=lambda code: (len(code), code)):
        node, state = nodes[code], states[code]
        if node.status == "retired" and state["status"] == "active":
            reactivated.append(code)
            do_record(
                session,
                action="reactivate",
                object_type="territory",
                object_id=node.id,
                territory_code=code,
                changes={"status": ["retired", "active"], "plan": plan.id},
                actor=actor,
            )
        node.status = state["status"]
        node.retired_at = (
            dt.datetime.fromisoformat(state["retired_at"]) if state["retired_at"] else None
        )
        if node.boundary != state["boundary"]:
            node.boundary = state["boundary"]
        node.center_lon, node.center_lat = state["center_lon"], state["center_lat"]
        node.updated_by = actor
    session.flush()
    return reactivated


def _restore_cases(session: Session, places: dict[str, list[str]]) -> None:
    for chunk in _chunks(sorted(places)):
        for case in session.scalars(select(Case).where(Case.id.in_(chunk))):
            case.territory_code, case.level, case.handler_code = places[case.id]
    session.flush()
