"""Writes to the territory tree. Every rule of the tree is enforced here, on every write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.errors import Conflict, ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.codes import PARENT_LEVEL, as_level, problem_with
from gridgov.territory.models import Territory
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
    check_retire_guards(session, node)  # e.g. the registry's: no active households
    node.status = "retired"
    node.retired_at = clock.now()
    node.updated_by = actor
    session.flush()
    return node
