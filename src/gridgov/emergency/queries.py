"""Reads of roll-calls: one roll-call (404 when out of reach), the list, the live picture
(set-based counts per child node), the household list by priority, the GeoJSON for the map.

Who sees a roll-call: everyone whose roles reach its node (policy.reaches on ``roll_call``:
a leader above, on or under it, a party member or resident with a household under it).
The counts of the whole roll-call are not personal and are shown to all of them; the
household lines (the list, the details on the map, exact points) only where the caller may
read that household's line (scope_filter on ``roll_call``); elsewhere a map point is masked
to its unit's centre.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import reach_filter, reaches, scope_filter
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.emergency.counters import COUNTED
from gridgov.emergency.models import (
    ESCALATION_LEVELS,
    KINDS,
    STATES,
    STATUSES,
    RollCall,
    RollCallCount,
    RollCallHousehold,
)
from gridgov.emergency.priority import reasons_of
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.territory.codes import CHILD_LEVEL, CODE_LENGTH, level_of
from gridgov.territory.models import Territory
from gridgov.territory.scope import clean_territory_filter, within

CONFIRMED_STATUSES = tuple(status for status in STATUSES if status != "unconfirmed")


def _not_found(roll_call_id: str) -> NotFound:
    return NotFound(Message("no roll-call has id %(id)s", id=roll_call_id))


def access_roll_call(
    session: Session, roll_call_id: str, principal: Principal | None, action: str = "read"
) -> RollCall:
    """The roll-call if the principal's roles reach its node (``update``: it may also
    confirm, give the all-clear or close there), else the NotFound of a missing one."""
    if principal is not None:
        require(principal, action, "roll_call")
    roll_call = session.get(RollCall, roll_call_id)
    if roll_call is None:
        raise _not_found(roll_call_id)
    if principal is not None and not reaches(
        principal, "read", "roll_call", roll_call.territory_code
    ):
        raise _not_found(roll_call_id)
    return roll_call


def _one_of(field: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise ValidationFailed.field(
            field, Message("one of %(choices)s", choices=", ".join(choices))
        )
    return value


def list_roll_calls(
    session: Session,
    *,
    territory: str | None,
    principal: Principal | None,
    limit: int,
    offset: int,
    state: str | None = None,
    kind: str | None = None,
    drill: bool | None = None,
) -> tuple[list[RollCall], int]:
    """Roll-calls over, above or under ``territory``, newest first, that the caller reaches
    (``state``, ``kind``, ``drill``: those only). Filtered and paged in the SQL, total too."""
    conditions: list[ColumnElement[bool]] = []
    if principal is not None:
        require(principal, "read", "roll_call")
        conditions.append(reach_filter(principal, "read", "roll_call", RollCall.territory_code))
    if territory is not None:
        reach_territory(session, principal, "read", "roll_call", territory)
        above = [territory[:n] for n in CODE_LENGTH.values() if n < len(territory)]
        conditions.append(
            or_(within(RollCall.territory_code, territory), RollCall.territory_code.in_(above))
        )
    if _one_of("state", state, STATES) is not None:
        conditions.append(RollCall.state == state)
    if _one_of("kind", kind, KINDS) is not None:
        conditions.append(RollCall.kind == kind)
    if drill is not None:
        conditions.append(RollCall.drill.is_(drill))
    query = select(RollCall).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(RollCall.started_at.desc(), RollCall.id).limit(limit).offset(offset)
    )
    return list(found), int(total)


@dataclass
class Counts:
    code: str
    households: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    moved: int = 0
    needs_help: int = 0
    returned: int = 0
    priority: int = 0
    priority_unconfirmed: int = 0
    escalated: int = 0
    name: str = ""


@dataclass
class Picture:
    roll_call: RollCall
    total: Counts
    children: list[Counts] = field(default_factory=list)


def _sums() -> list[Any]:
    return [
        func.coalesce(func.sum(RollCallCount.__table__.c[name]), 0).cast(Integer).label(name)
        for name in COUNTED
    ]


def child_length(code: str) -> int:
    level = level_of(code)
    child = CHILD_LEVEL.get(level) if level else None
    return CODE_LENGTH[child] if child else len(code)


def live_picture(session: Session, roll_call: RollCall, *, node: str | None = None) -> Picture:
    """Counts of the roll-call (or of ``node`` within it) and a row per child node: ONE
    grouped query over the roll-call's per-node counts (emergency.counters: ~2,000 rows for
    a town of 100,000 households)."""
    code = node or roll_call.territory_code
    length = child_length(code)
    child = func.substr(RollCallCount.territory_code, 1, length).label("child")
    where = [RollCallCount.roll_call_id == roll_call.id]
    if code != roll_call.territory_code:
        where.append(within(RollCallCount.territory_code, code))
    rows = session.execute(
        select(child, *_sums()).where(*where).group_by(child).order_by(child)
    ).all()
    codes = [row.child for row in rows]
    names = dict(
        session.execute(
            select(Territory.code, Territory.name_zh).where(Territory.code.in_([code, *codes]))
        ).all()
    )
    total = Counts(code=code, name=names.get(code, ""))
    children = []
    for row in rows:
        counts = Counts(code=row.child, name=names.get(row.child, ""))
        for key in COUNTED:
            setattr(counts, key, int(getattr(row, key)))
        children.append(counts)
        for key in COUNTED:
            setattr(total, key, getattr(total, key) + getattr(counts, key))
    return Picture(roll_call, total, children)


def node_counts(session: Session, roll_call: RollCall, code: str) -> Counts:
    """The counts of one node of the roll-call (an index range of its rows)."""
    return nested_node_counts(session, roll_call, [code])[code]


def nested_node_counts(
    session: Session, roll_call: RollCall, codes: list[str]
) -> dict[str, Counts]:
    """The counts of nested nodes (a village, one of its grids, one of that grid's units)
    in ONE statement over the widest one's index range: a sum per node and count. The
    statement is built once per number of nodes (its 27 sums cost more to build than to
    run) and takes the codes as parameters."""
    if not codes:
        return {}
    ordered = sorted(codes, key=len)
    widest = ordered[0]
    if not all(code.startswith(widest) for code in ordered):
        raise ValueError(f"not nested in {widest}: {codes}")
    for code in ordered:
        clean_territory_filter(code)
    row = session.execute(
        _nested_statement(len(ordered)),
        {"roll_call_id": roll_call.id, **{f"node_{n}": code for n, code in enumerate(ordered)}},
    ).one()
    found = {}
    for n, code in enumerate(ordered):
        counts = Counts(code=code)
        for key in COUNTED:
            setattr(counts, key, int(row[n * len(COUNTED) + COUNTED.index(key)]))
        found[code] = counts
    return {code: found[code] for code in codes}


@functools.cache
def _nested_statement(levels: int) -> Select[*tuple[Any, ...]]:
    """node_0 the widest; every row of the statement is under it."""
    table = RollCallCount.__table__

    def under(n: int) -> ColumnElement[bool]:
        return table.c.territory_code.like(bindparam(f"node_{n}") + literal("%"))

    columns = [
        func.coalesce(
            func.sum(table.c[name] if n == 0 else case((under(n), table.c[name]), else_=0)),
            0,
        ).cast(Integer)
        for n in range(levels)
        for name in COUNTED
    ]
    return select(*columns).where(table.c.roll_call_id == bindparam("roll_call_id"), under(0))


def node_within(roll_call: RollCall, territory: str | None) -> str | None:
    """A ``territory=`` inside the roll-call's node (422 when it is not)."""
    if territory is None:
        return None
    clean_territory_filter(territory)
    if not territory.startswith(roll_call.territory_code):
        raise ValidationFailed.field(
            "territory",
            Message("not inside the roll-call's node %(code)s", code=roll_call.territory_code),
        )
    return territory


def _line_filter(principal: Principal | None) -> ColumnElement[bool]:
    if principal is None:
        return true()
    return scope_filter(
        principal,
        "read",
        "roll_call",
        RollCallHousehold.territory_code,
        household_column=RollCallHousehold.household_id,
    )


@dataclass(frozen=True)
class Line:
    row: RollCallHousehold
    address: str
    reasons: list[str]


def list_households(
    session: Session,
    roll_call: RollCall,
    *,
    status: str | None,
    territory: str | None,
    principal: Principal | None,
    limit: int,
    offset: int,
    escalated: str | None = None,
) -> tuple[list[Line], int]:
    """The roll-call's households the caller may read, priority first, then by unit, then
    by household number (``escalated``: those escalated to that level, grid or village)."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed.field(
            "status", Message("one of %(statuses)s", statuses=", ".join(STATUSES))
        )
    where = [RollCallHousehold.roll_call_id == roll_call.id, _line_filter(principal)]
    if status is not None:
        where.append(RollCallHousehold.status == status)
    if _one_of("escalated", escalated, ESCALATION_LEVELS) is not None:
        where.append(RollCallHousehold.escalated_to == escalated)
    if territory is not None:
        reach_territory(session, principal, "read", "roll_call", territory)
        where.append(within(RollCallHousehold.territory_code, territory))
    total = session.scalar(select(func.count()).select_from(RollCallHousehold).where(*where)) or 0
    rows = session.execute(
        select(RollCallHousehold, Household.address)
        .join(Household, Household.id == RollCallHousehold.household_id)
        .where(*where)
        .order_by(
            RollCallHousehold.priority.desc(),
            RollCallHousehold.territory_code,
            RollCallHousehold.household_no,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return [Line(row, address, reasons_of(row.priority_reasons)) for row, address in rows], int(
        total
    )


# Where the map shows households one by one; above them it shows counts per node.
POINT_LEVELS = ("grid", "unit")
NODE_LEVELS = ("village", "grid", "unit")


def geojson(
    session: Session,
    roll_call: RollCall,
    principal: Principal | None,
    *,
    territory: str | None = None,
    level: str | None = None,
) -> dict[str, Any]:
    """What the map needs of the roll-call's node or of ``territory`` inside it: for a grid
    or unit, its households' points by status (:func:`household_points`); above (a town, a
    village), one point per node at its centre with its counts (:func:`node_points`), of
    ``level`` (default the level just below). A town of 10,000 households answered 3.7 MB
    of points; its villages' counts are a few kilobytes."""
    node = node_within(roll_call, territory) or roll_call.territory_code
    node_level = level_of(node)
    length = None
    if _one_of("level", level, NODE_LEVELS) is not None:
        length = CODE_LENGTH[level]  # type: ignore[index]
        if len(node) >= length:
            raise ValidationFailed.field(
                "level", Message("a level below the node %(code)s", code=node)
            )
    properties: dict[str, Any] = {
        "roll_call_id": roll_call.id,
        "drill": roll_call.drill,
        "territory": node,
    }
    if length is None and node_level in POINT_LEVELS:
        properties["kind"] = "households"
        features = household_points(session, roll_call, principal, node)
    else:
        properties["kind"] = "nodes"
        features = node_points(session, roll_call, node, length or child_length(node))
    return {"type": "FeatureCollection", "properties": properties, "features": features}


def node_points(
    session: Session, roll_call: RollCall, node: str, length: int
) -> list[dict[str, Any]]:
    """One feature per node of code ``length`` under ``node``, at the node's centre: its
    households by status and its priority households still unconfirmed. Counts are not
    personal: everyone who reaches the roll-call reads them (as its live counts)."""
    child = func.substr(RollCallHousehold.territory_code, 1, length).label("child")
    rows = session.execute(
        select(child, RollCallHousehold.status, RollCallHousehold.priority, func.count())
        .where(
            RollCallHousehold.roll_call_id == roll_call.id,
            within(RollCallHousehold.territory_code, node),
        )
        .group_by(child, RollCallHousehold.status, RollCallHousehold.priority)
    ).all()
    nodes: dict[str, dict[str, Any]] = {}
    for code, status, priority, count in rows:
        found = nodes.setdefault(code, {"households": 0, "priority_unconfirmed": 0, "statuses": {}})
        found["households"] += count
        found["statuses"][status] = found["statuses"].get(status, 0) + count
        if priority and status == "unconfirmed":
            found["priority_unconfirmed"] += count
    places = {
        code: (name, lon, lat)
        for code, name, lon, lat in session.execute(
            select(
                Territory.code, Territory.name_zh, Territory.center_lon, Territory.center_lat
            ).where(Territory.code.in_(list(nodes)))
        )
    }
    missing = [code for code in nodes if places.get(code, ("", None, None))[1] is None]
    centres = _descendant_centres(session, missing)
    features = []
    for code in sorted(nodes):
        name, lon, lat = places.get(code, ("", None, None))
        if lon is None:
            lon, lat = centres.get(code, (None, None))
        counts = nodes[code]
        statuses = counts["statuses"]
        properties = {
            "code": code,
            "name": name,
            "level": level_of(code),
            "households": counts["households"],
            "unconfirmed": statuses.get("unconfirmed", 0),
            "needs_help": statuses.get("needs_help", 0),
            "priority_unconfirmed": counts["priority_unconfirmed"],
            "statuses": {status: statuses[status] for status in STATUSES if status in statuses},
        }
        geometry = None if lon is None else {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def _descendant_centres(session: Session, codes: list[str]) -> dict[str, tuple[float, float]]:
    """For the nodes without a centre in the tree: the mean of the centres of the nodes
    under them (never of households' points: one household's would show where it is)."""
    found: dict[str, tuple[float, float]] = {}
    for code in codes:
        if len(code) >= CODE_LENGTH["unit"]:  # nothing under a unit
            continue
        row = session.execute(
            select(func.avg(Territory.center_lon), func.avg(Territory.center_lat)).where(
                within(Territory.code, code), Territory.center_lon.is_not(None)
            )
        ).one()
        if row[0] is not None:
            found[code] = (float(row[0]), float(row[1]))
    return found


def household_points(
    session: Session, roll_call: RollCall, principal: Principal | None, node: str
) -> list[dict[str, Any]]:
    """The households under ``node`` by status. A household the caller may not read shows
    at its unit's centre, with its status and priority only."""
    readable = _line_filter(principal).label("readable")
    point_lon = func.coalesce(RollCallHousehold.lon, Household.lon)
    point_lat = func.coalesce(RollCallHousehold.lat, Household.lat)
    rows = session.execute(
        select(
            RollCallHousehold.household_id,
            RollCallHousehold.household_no,
            RollCallHousehold.territory_code,
            RollCallHousehold.status,
            RollCallHousehold.priority,
            point_lon,
            point_lat,
            Territory.center_lon,
            Territory.center_lat,
            readable,
        )
        .join(Household, Household.id == RollCallHousehold.household_id)
        .outerjoin(Territory, Territory.code == RollCallHousehold.territory_code)
        .where(
            RollCallHousehold.roll_call_id == roll_call.id,
            within(RollCallHousehold.territory_code, node),
        )
    ).all()
    features = []
    for household_id, number, code, status, priority, lon, lat, c_lon, c_lat, may_read in rows:
        properties: dict[str, Any] = {"status": status, "priority": bool(priority), "unit": code}
        point: tuple[float | None, float | None] = (c_lon, c_lat)
        if may_read:
            properties |= {"household_id": household_id, "household_no": number}
            point = (lon, lat) if lon is not None else (c_lon, c_lat)
        else:
            properties["masked"] = True
        geometry = None if point[0] is None else {"type": "Point", "coordinates": list(point)}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


@dataclass(frozen=True)
class HelpCase:
    """A help case the roll-call opened (a household that needs help) and how it stands."""

    case_id: str
    household_id: str
    household_no: str
    territory_code: str
    state: str
    due_at: Any
    help: str | None


def help_cases(
    session: Session, roll_call: RollCall, principal: Principal | None
) -> list[HelpCase]:
    """The roll-call's help cases on the households the caller may read, oldest first.

    From the few cases of the roll-call (``ix_cases_roll_call_id``) to their lines by key:
    starting from the lines read all of a town's 100,000 on every GET of the roll-call
    (bench/rollcall.py's live counts went from p99 18 ms to 110 ms)."""
    rows = session.execute(
        select(
            Case.id,
            RollCallHousehold.household_id,
            RollCallHousehold.household_no,
            RollCallHousehold.territory_code,
            Case.state,
            Case.due_at,
            RollCallHousehold.help,
        )
        .select_from(Case)
        .join(
            RollCallHousehold,
            and_(
                RollCallHousehold.roll_call_id == Case.roll_call_id,
                RollCallHousehold.household_id == Case.household_id,
                RollCallHousehold.help_case_id == Case.id,
            ),
        )
        .where(Case.roll_call_id == roll_call.id, _line_filter(principal))
        .order_by(Case.created_at, Case.id)
    ).all()
    return [HelpCase(*row) for row in rows]
