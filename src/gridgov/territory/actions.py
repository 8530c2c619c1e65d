"""Writes to the territory tree. Every rule of the tree is enforced here, on every write."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.ids import new_id
from gridgov.storage.bulk import expire_loaded, insert_rows, table_of, update_rows
from gridgov.territory.codes import PARENT_LEVEL, as_level, problem_with
from gridgov.territory.creation_hooks import CreatedNode, run_creation_hooks, run_status_hooks
from gridgov.territory.models import Territory
from gridgov.territory.recording import record_rows
from gridgov.territory.retire_guards import check_retire_guards
from gridgov.validation import (
    FieldProblem,
    Problems,
    clean_lon_lat,
    clean_text,
    refuse_bad_text,
)

UNSET: Any = object()


def _clean_names(name_zh: str, name_en: str) -> tuple[str, str]:
    try:
        zh = clean_text(name_zh, max_length=100, field_words=Message("a name"))
    except FieldProblem as exc:
        raise ValidationFailed.field("name_zh", exc.why) from exc
    refuse_bad_text("name_en", name_en)
    if len(name_en) > 100:
        raise ValidationFailed.field("name_en", Message("at most 100 characters"))
    return zh, name_en.strip()


def _place(
    boundary: dict[str, Any] | None, center_lon: float | None, center_lat: float | None
) -> tuple[dict[str, Any] | None, float | None, float | None]:
    """Validated boundary and centre; the centre defaults to a point inside the boundary."""
    problems = Problems()
    problems.add_all(clean_lon_lat(center_lon, center_lat), prefix="center_")
    problems.raise_if_any()
    if boundary is None:
        return None, center_lon, center_lat
    # Only a boundary needs shapely (and numpy): the tree's other writes, and the CLI and
    # the API that import them, start without it.
    from gridgov.territory.geometry import centre_of, clean_boundary, to_geojson

    try:
        geometry = clean_boundary(boundary)
    except FieldProblem as exc:
        raise ValidationFailed.field("boundary", exc.why) from exc
    if center_lon is None:
        center_lon, center_lat = centre_of(geometry)
    return to_geojson(geometry), center_lon, center_lat


def check_create_territory(
    session: Session,
    *,
    code: str,
    level: str,
    name_zh: str,
    name_en: str = "",
    parent_code: str | None = None,
    boundary: dict[str, Any] | None = None,
    center_lon: float | None = None,
    center_lat: float | None = None,
    actor: str,
) -> Territory:
    """Validate a new node against the tree's rules, then add it."""
    problem = problem_with(code, level, parent_code)
    if problem:
        raise ValidationFailed.field(*problem)
    if parent_code is not None:
        parent = session.scalar(select(Territory).where(Territory.code == parent_code))
        if parent is None:
            raise ValidationFailed.field(
                "parent_code",
                Message("no territory has code %(parent_code)s", parent_code=parent_code),
            )
        parent_level = PARENT_LEVEL[as_level(level)]
        if parent.level != parent_level:
            raise ValidationFailed.field(
                "parent_code",
                Message(
                    "a %(level)s's parent is a %(parent_level)s, %(parent_code)s is a %(level2)s",
                    level=level,
                    parent_level=parent_level,
                    parent_code=parent_code,
                    level2=parent.level,
                ),
            )
        if parent.status != "active":
            raise ValidationFailed.field(
                "parent_code", Message("%(parent_code)s is retired", parent_code=parent_code)
            )
    if session.scalar(select(exists().where(Territory.code == code))):
        # A code names one node forever: a retired node's code is not given again.
        raise Conflict(
            Message("code %(code)s is already taken", code=code),
            fields={"code": Message("already taken")},
        )
    zh, en = _clean_names(name_zh, name_en)
    geojson, lon, lat = _place(boundary, center_lon, center_lat)
    node = Territory(
        code=code,
        level=level,
        parent_code=parent_code,
        name_zh=zh,
        name_en=en,
        boundary=geojson,
        center_lon=lon,
        center_lat=lat,
        status="active",
        updated_by=actor,
    )
    session.add(node)
    session.flush()
    run_creation_hooks(session, [CreatedNode(code, level, zh)], actor=actor)
    return node


def check_update_territory(
    session: Session,
    node: Territory,
    *,
    version: int | None = None,
    name_zh: str = UNSET,
    name_en: str = UNSET,
    boundary: dict[str, Any] | None = UNSET,
    center_lon: float | None = UNSET,
    center_lat: float | None = UNSET,
    actor: str,
) -> Territory:
    """Change names, boundary or centre. Code, level and parent never change."""
    if version is not None and version != node.version:
        raise Conflict(
            Message(
                "territory %(code)s changed since version %(version)s (now %(version2)s)",
                code=node.code,
                version=version,
                version2=node.version,
            ),
            fields={"version": Message("stale")},
        )
    if node.status != "active":
        raise Conflict(
            Message("territory %(code)s is retired", code=node.code),
            fields={"code": Message("retired")},
        )
    new_zh = node.name_zh if name_zh is UNSET else name_zh
    new_en = node.name_en if name_en is UNSET else name_en
    node.name_zh, node.name_en = _clean_names(new_zh, new_en)
    if boundary is not UNSET or center_lon is not UNSET or center_lat is not UNSET:
        new_boundary = node.boundary if boundary is UNSET else boundary
        if center_lon is UNSET and center_lat is UNSET:
            lon, lat = None, None  # a new boundary gets a new centre inside it
        else:
            lon = node.center_lon if center_lon is UNSET else center_lon
            lat = node.center_lat if center_lat is UNSET else center_lat
        node.boundary, node.center_lon, node.center_lat = _place(new_boundary, lon, lat)
    node.updated_by = actor
    session.flush()
    return node


def check_retire_territory(session: Session, node: Territory, *, actor: str) -> Territory:
    """Retire a node that nothing active hangs on (the tree's own rule, then every guard a
    higher package added in :mod:`gridgov.territory.retire_guards`). Its code is never given
    again."""
    if node.status == "retired":
        raise Conflict(Message("territory %(code)s is already retired", code=node.code))
    active_child = session.scalar(
        select(Territory.code)
        .where(Territory.parent_code == node.code, Territory.status == "active")
        .limit(1)
    )
    if active_child:
        raise Conflict(
            Message(
                "territory %(code)s still has active child %(active_child)s: "
                "retire or move it first",
                code=node.code,
                active_child=active_child,
            ),
            fields={"code": Message("has active children")},
        )
    check_retire_guards(session, [node.code])  # e.g. the registry's: no active households
    node.status = "retired"
    node.retired_at = clock.now()
    node.updated_by = actor
    session.flush()
    run_status_hooks(session, [node.code], "retired", actor=actor)  # e.g. groups archived
    return node


# --- batches: the same rules, checked once for many nodes ----------------------------------
#
# Applying or rolling back a division plan writes hundreds of nodes at once. These write
# them set-based (one statement per batch, audited through the recorder's bulk entry
# point, exactly as the ORM listener would for the same writes made node by node).

CHUNK = 900  # codes per IN list (well under SQLite's bound-parameter limit)


@dataclass(frozen=True)
class NewNode:
    """One node of a batch to create (the fields of :func:`check_create_territory`)."""

    code: str
    level: str
    name_zh: str
    name_en: str = ""
    parent_code: str | None = None
    boundary: dict[str, Any] | None = None
    center_lon: float | None = None
    center_lat: float | None = None


@dataclass(frozen=True)
class NodeShape:
    """A node's polygon and centre (a redraw, or a state a rollback puts back)."""

    boundary: dict[str, Any] | None
    center_lon: float | None
    center_lat: float | None


@dataclass(frozen=True)
class NodeState:
    """What a rollback puts back: a node's status, retirement instant and shape."""

    status: str
    retired_at: dt.datetime | None
    shape: NodeShape


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _rows_by_code(session: Session, codes: Iterable[str], *columns: Any) -> dict[str, Any]:
    """The current rows (``code`` and ``columns``) of these codes, as the database holds them."""
    table = table_of(Territory)
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(set(codes))):
        query = select(table.c.code, *columns).where(table.c.code.in_(chunk))
        found.update({row.code: row for row in session.execute(query)})
    return found


def _check_new_parents(session: Session, nodes: Sequence[NewNode]) -> None:
    """Every parent exists (before, or earlier in the batch), is active and one level up."""
    in_batch: dict[str, str] = {}
    for node in nodes:
        problem = problem_with(node.code, node.level, node.parent_code)
        if problem:
            field, why = problem
            raise ValidationFailed.field(field, f"{node.code}: {why}")
        in_batch.setdefault(node.code, node.level)
    table = table_of(Territory)
    stored = _rows_by_code(
        session,
        (n.parent_code for n in nodes if n.parent_code and n.parent_code not in in_batch),
        table.c.level,
        table.c.status,
    )
    seen: set[str] = set()
    for node in nodes:
        seen.add(node.code)
        if node.parent_code is None:
            continue
        parent_level = PARENT_LEVEL[as_level(node.level)]
        parent = stored.get(node.parent_code)
        if parent is None and node.parent_code not in seen:
            raise ValidationFailed.field("parent_code", f"no territory has code {node.parent_code}")
        level = parent.level if parent is not None else in_batch[node.parent_code]
        if level != parent_level:
            raise ValidationFailed.field(
                "parent_code",
                f"a {node.level}'s parent is a {parent_level}, {node.parent_code} is a {level}",
            )
        if parent is not None and parent.status != "active":
            raise ValidationFailed.field("parent_code", f"{node.parent_code} is retired")


def _check_codes_free(session: Session, nodes: Sequence[NewNode]) -> None:
    codes = [node.code for node in nodes]
    taken = next(iter(_rows_by_code(session, codes)), None)
    if taken is None:
        duplicated = [code for code, count in Counter(codes).items() if count > 1]
        taken = duplicated[0] if duplicated else None
    if taken is not None:
        # A code names one node forever: a retired node's code is not given again.
        raise Conflict(f"code {taken} is already taken", fields={"code": "already taken"})


def check_create_territories(
    session: Session, nodes: Sequence[NewNode], *, actor: str
) -> list[dict[str, Any]]:
    """Validate a batch of new nodes against the tree's rules (those of
    :func:`check_create_territory`; a parent may be a node earlier in the batch), then add
    them all in one statement, each audited. Refuses the whole batch at the first problem
    (its field named, the node's code in the message). Answers the rows added."""
    _check_new_parents(session, nodes)
    _check_codes_free(session, nodes)
    now = clock.now()
    rows = []
    for node in nodes:
        zh, en = _clean_names(node.name_zh, node.name_en)
        geojson, lon, lat = _place(node.boundary, node.center_lon, node.center_lat)
        rows.append(
            {
                "id": new_id(),
                "code": node.code,
                "level": node.level,
                "parent_code": node.parent_code,
                "name_zh": zh,
                "name_en": en,
                "boundary": geojson,
                "center_lon": lon,
                "center_lat": lat,
                "status": "active",
                "created_at": now,
                "updated_at": now,
                "updated_by": actor,
                "version": 1,
            }
        )
    session.flush()  # pending ORM writes first: the statements below write rows
    table = table_of(Territory)
    insert_rows(session.connection(), table, rows)
    record_rows(session, table, [(None, row) for row in rows], actor=actor)
    created = [
        CreatedNode(str(row["code"]), str(row["level"]), str(row["name_zh"])) for row in rows
    ]
    run_creation_hooks(session, created, actor=actor)
    return rows


def _versioned_update(
    session: Session,
    current: Mapping[str, Any],
    changes: Mapping[str, Mapping[str, Any]],
    *,
    actor: str,
) -> None:
    """Write ``changes`` (code -> new column values, the same columns for every node) to
    nodes read as ``current`` (rows with id, version and those columns), in one
    executemany at the version read (a node changed meanwhile is a 409, as the ORM's
    version check), each audited as the ORM listener would; loaded nodes are expired."""
    if not changes:
        return
    session.flush()  # pending ORM writes first: the statement below writes rows
    table = table_of(Territory)
    rows = [
        {"id": current[code].id, "version": current[code].version, **values}
        for code, values in changes.items()
    ]
    matched = update_rows(
        session.connection(),
        table,
        rows,
        match=("id", "version"),
        constants={"updated_by": actor, "updated_at": clock.now()},
        bump_version=True,
    )
    if matched not in (-1, len(rows)):
        raise Conflict("a territory changed meanwhile", fields={"version": "stale"})
    record_rows(
        session,
        table,
        (({"code": code, **current[code]._asdict()}, values) for code, values in changes.items()),
        actor=actor,
    )
    expire_loaded(session, Territory, (current[code].id for code in changes))


def _shape_columns() -> tuple[Any, ...]:
    table = table_of(Territory)
    return (
        table.c.id,
        table.c.version,
        table.c.status,
        table.c.retired_at,
        table.c.boundary,
        table.c.center_lon,
        table.c.center_lat,
    )


def node_rows(session: Session, codes: Iterable[str]) -> dict[str, Any]:
    """Code -> the stored row (id, version, status, retired_at, boundary, centre) of these
    nodes: what the batches below read, for a caller that reads them first."""
    return _rows_by_code(session, codes, *_shape_columns())


def do_redraw_territories(
    session: Session,
    shapes: Mapping[str, NodeShape],
    *,
    actor: str,
    read: Mapping[str, Any] | None = None,
) -> list[str]:
    """Give active nodes new polygons and centres, as a division plan redraws the nodes it
    keeps with their neighbours (the plan made the polygons valid: they are written as
    given). A node whose polygon is unchanged is left alone. ``read``: the nodes'
    :func:`node_rows` if the caller read them in this transaction (else read here).
    Answers the codes redrawn."""
    current = read if read is not None else node_rows(session, shapes)
    for code in shapes:
        if code not in current:
            raise NotFound(f"no territory has code {code}", fields={"code": "not found"})
        if current[code].status != "active":
            raise Conflict(f"territory {code} is retired", fields={"code": "retired"})
    changes = {
        code: {
            "boundary": shape.boundary,
            "center_lon": shape.center_lon,
            "center_lat": shape.center_lat,
        }
        for code, shape in shapes.items()
        if current[code].boundary != shape.boundary
    }
    _versioned_update(session, current, changes, actor=actor)
    return list(changes)


def check_retire_territories(session: Session, codes: Sequence[str], *, actor: str) -> None:
    """Retire a batch of nodes, with the rules of :func:`check_retire_territory` checked
    once for the batch: each is active, none has an active child left outside the batch,
    and every retire guard agrees. Their codes are never given again."""
    table = table_of(Territory)
    current = _rows_by_code(
        session, codes, table.c.id, table.c.version, table.c.status, table.c.retired_at
    )
    for code in codes:
        if code not in current:
            raise NotFound(f"no territory has code {code}", fields={"code": "not found"})
        if current[code].status == "retired":
            raise Conflict(f"territory {code} is already retired")
    retiring = set(codes)
    for chunk in _chunks(sorted(retiring)):
        query = select(table.c.code, table.c.parent_code).where(
            table.c.parent_code.in_(chunk), table.c.status == "active"
        )
        for child in session.execute(query.order_by(table.c.code)):
            if child.code not in retiring:
                raise Conflict(
                    f"territory {child.parent_code} still has active child {child.code}: "
                    "retire or move it first",
                    fields={"code": "has active children"},
                )
    check_retire_guards(session, codes)  # e.g. the registry's: no active households
    now = clock.now()
    _versioned_update(
        session,
        current,
        {code: {"status": "retired", "retired_at": now} for code in codes},
        actor=actor,
    )
    run_status_hooks(session, list(codes), "retired", actor=actor)


def do_restore_territories(
    session: Session, states: Mapping[str, NodeState], *, actor: str
) -> dict[str, str]:
    """Put nodes back as they were (status, retirement instant, polygon, centre): a
    rollback of a division plan restores the nodes it replaced, re-activating those it
    retired (the one place a retired node comes back: the caller records why). A node
    already as it was is left alone. Answers the nodes re-activated (code -> id, parents
    first)."""
    current = _rows_by_code(session, states, *_shape_columns())
    missing = [code for code in states if code not in current]
    if missing:
        raise NotFound(f"no territory has code {missing[0]}", fields={"code": "not found"})
    # One statement per set of columns that changed (a re-activated node whose polygon
    # stayed is not sent its polygon again).
    changes: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
    for code, state in states.items():
        values = {
            "status": state.status,
            "retired_at": state.retired_at,
            "boundary": state.shape.boundary,
            "center_lon": state.shape.center_lon,
            "center_lat": state.shape.center_lat,
        }
        changed = {k: v for k, v in values.items() if getattr(current[code], k) != v}
        if changed:
            changes.setdefault(tuple(changed), {})[code] = changed
    reactivated = {
        code: current[code].id
        for code in sorted(states, key=lambda code: (len(code), code))
        if current[code].status == "retired" and states[code].status == "active"
    }
    for group in changes.values():
        _versioned_update(session, current, group, actor=actor)
    run_status_hooks(session, list(reactivated), "active", actor=actor)  # groups re-open
    return reactivated
