"""Adding, listing and switching a group's outbound routes (administrators, via API or CLI)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.notify.bridges.models import NAME_MAX, ROUTE_KINDS, URL_MAX, BridgeRoute
from gridgov.validation import FieldProblem, Problems, clean_choice, clean_text

_KEY: Final = re.compile(r"[A-Za-z0-9_-]{8,128}")
_GROUP_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _clean_url(value: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > URL_MAX:
        raise FieldProblem(Message("an http(s) URL such as https://qyapi.weixin.qq.com"))
    if parts.query or parts.fragment:
        raise FieldProblem(Message("the base URL only, without ?key=..."))
    return url


def _check_pattern(problems: Problems, field: str, value: str, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        problems.add(field, Message("letters, digits, '-' or '_' only"))


def check_add_route(
    session: Session,
    *,
    kind: str,
    group_id: str,
    key: str,
    base_url: str,
    name: str = "",
    actor: str,
    group_active: bool = True,
) -> BridgeRoute:
    """A new active route of ``group_id`` (a WeCom robot: its webhook ``key`` and the
    ``base_url`` the key is posted to). Every field's problem is reported at once. Bridges
    sit below groups: the caller says whether the group exists and is active
    (``groups.actions.check_add_bridge_route`` does)."""
    problems = Problems()
    problems.check("kind", clean_choice, kind, ROUTE_KINDS)
    _check_pattern(problems, "group_id", group_id, _GROUP_ID)
    if not group_active and "group_id" not in problems:
        problems.add("group_id", Message("no active group has this id"))
    _check_pattern(problems, "key", key, _KEY)
    url = problems.check("base_url", _clean_url, base_url) or ""
    label = name.strip()
    if label:
        label = problems.check("name", clean_text, label, max_length=NAME_MAX) or ""
    problems.raise_if_any()
    route = BridgeRoute(
        kind=kind,
        group_id=group_id,
        name=label,
        base_url=url,
        webhook_key=key,
        active=True,
        send_times=[],
        throttle_count=0,
        created_by=actor,
    )
    session.add(route)
    session.flush()
    return route


def do_set_route_active(session: Session, route: BridgeRoute, *, active: bool, actor: str) -> None:
    """Switch a route on or off (an inactive route gets no new rows; kept for the record)."""
    route.active = active
    session.flush()


def get_route(session: Session, route_id: str) -> BridgeRoute:
    route = session.get(BridgeRoute, route_id)
    if route is None:
        raise NotFound(Message("no bridge route has id %(route_id)s", route_id=route_id))
    return route


def list_routes(
    session: Session, *, group_id: str | None = None, limit: int, offset: int
) -> tuple[list[BridgeRoute], int]:
    conditions = [] if group_id is None else [BridgeRoute.group_id == group_id]
    total = session.scalar(select(func.count()).select_from(BridgeRoute).where(*conditions))
    rows = session.scalars(
        select(BridgeRoute)
        .where(*conditions)
        .order_by(BridgeRoute.group_id, BridgeRoute.created_at, BridgeRoute.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0
