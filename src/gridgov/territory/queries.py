"""Reads of the territory tree. Retired nodes stay readable: a code names one node forever."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.codes import LEVELS
from gridgov.territory.models import TERRITORY_STATUSES, Territory
from gridgov.territory.scope import clean_territory_filter, within


def get_territory(session: Session, code: str) -> Territory:
    """The node with this code, active or retired; NotFound names the code."""
    node = session.scalar(select(Territory).where(Territory.code == code))
    if node is None:
        raise NotFound(
            Message("no territory has code %(code)s", code=code),
            fields={"code": Message("not found")},
        )
    return node


def _clean_level(level: str | None) -> str | None:
    if level is not None and level not in LEVELS:
        raise ValidationFailed.field(
            "level", Message("level must be one of %(LEVELS)s", LEVELS=", ".join(LEVELS))
        )
    return level


def _clean_status(status: str | None) -> str | None:
    if status is not None and status not in TERRITORY_STATUSES:
        raise ValidationFailed.field(
            "status",
            Message(
                "status must be one of %(TERRITORY_STATUSES)s",
                TERRITORY_STATUSES=", ".join(TERRITORY_STATUSES),
            ),
        )
    return status


def _filters(
    *, territory: str | None, level: str | None, status: str | None, q: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if territory is not None:
        conditions.append(within(Territory.code, territory))
    if _clean_level(level) is not None:
        conditions.append(Territory.level == level)
    if _clean_status(status) is not None:
        conditions.append(Territory.status == status)
    words = (q or "").strip()
    if words:
        # icontains: lower() on both sides, LIKE wildcards in the words escaped.
        conditions.append(
            or_(
                Territory.name_zh.icontains(words, autoescape=True),
                Territory.name_en.icontains(words, autoescape=True),
            )
        )
    return conditions


def list_territories(
    session: Session,
    *,
    territory: str | None = None,
    level: str | None = None,
    status: str | None = "active",
    q: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[Sequence[Territory], int]:
    """A page of nodes ordered by code, and how many match in all.

    ``territory`` keeps that node and everything under it; ``status=None`` includes retired
    nodes; ``q`` matches Chinese or English names (case-insensitive, anywhere in the name);
    ``limit=None`` returns every match.
    """
    conditions = _filters(territory=territory, level=level, status=status, q=q)
    total = session.scalar(select(func.count()).select_from(Territory).where(*conditions)) or 0
    query: Any = select(Territory).where(*conditions).order_by(Territory.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all(), total


def subtree(
    session: Session, code: str, *, level: str | None = None, include_retired: bool = False
) -> Sequence[Territory]:
    """The node ``code`` and every node under it, parents before children (code order).

    NotFound when no node has the code, so an export never answers a typo with nothing.
    """
    get_territory(session, clean_territory_filter(code))
    conditions = [within(Territory.code, code)]
    if _clean_level(level) is not None:
        conditions.append(Territory.level == level)
    if not include_retired:
        conditions.append(Territory.status == "active")
    return session.scalars(select(Territory).where(*conditions).order_by(Territory.code)).all()


def nodes_by_code(session: Session, codes: Sequence[str]) -> list[Territory]:
    """The nodes with these codes (active or retired), in code order: e.g. a breadcrumb."""
    if not codes:
        return []
    query = select(Territory).where(Territory.code.in_(list(codes))).order_by(Territory.code)
    return list(session.scalars(query))


def roots(session: Session) -> list[Territory]:
    """The active nodes without a parent (where the tree starts)."""
    query = select(Territory).where(Territory.parent_code.is_(None), Territory.status == "active")
    return list(session.scalars(query.order_by(Territory.code)))


def node_names(session: Session, codes: Sequence[str], language: str) -> dict[str, str]:
    """Nodes' names in the reader's language (the Chinese name when there is no other);
    a node without a name is left out (callers fall back to its code)."""
    if not codes:
        return {}
    zh = language.startswith("zh")
    rows = session.execute(
        select(Territory.code, Territory.name_zh, Territory.name_en).where(
            Territory.code.in_(list(codes))
        )
    )
    names = {code: (name_zh if zh or not name_en else name_en) for code, name_zh, name_en in rows}
    return {code: name for code, name in names.items() if name}
