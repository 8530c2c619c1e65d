"""/territories: the tree browser. ``/territories`` starts at the caller's own node(s) and
searches the tree (a name as the API's territory search, or a code); ``/territories/{code}``
shows a node, its path, its children with their household and resident counts (only what
the caller may read is counted), its leaders, and at grid and unit level its households."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from gridgov.access.policy import may, reaches
from gridgov.access.principal import Principal
from gridgov.errors import NotFound
from gridgov.http.sessions import SessionDep
from gridgov.posts.queries import current_posts_at, holder_names
from gridgov.posts.types import POST_TYPES
from gridgov.registry.queries import counts_by_node, list_households
from gridgov.territory import queries
from gridgov.territory.codes import CHILD_LEVEL, CODE_LENGTH, ancestors, as_level, level_of
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.labels import LEVEL_LABELS
from gridgov.web.registry_labels import REGISTRY_LABELS
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()

HOUSEHOLDS_PER_PAGE = 50
SEARCH_RESULTS = 50
# The levels whose page lists its households (a village's are reached through its grids).
HOUSEHOLD_LEVELS = frozenset({"grid", "unit"})


def _starting_nodes(session: SessionDep, principal: Principal) -> list[Territory]:
    """The caller's own nodes (their scopes'), else the tree's roots."""
    codes = sorted({s.territory_code for s in principal.scopes if s.territory_code})
    return queries.nodes_by_code(session, codes) if codes else queries.roots(session)


def _search(session: SessionDep, words: str) -> list[Territory]:
    """A code names its node; other words match names as the API's ``q`` does."""
    if level_of(words) is not None:
        return queries.nodes_by_code(session, [words])
    nodes, _total = queries.list_territories(session, q=words, limit=SEARCH_RESULTS)
    return list(nodes)


@router.get("/territories")
def territories_start(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    words = q.strip()
    context = {
        "query": words,
        "results": _search(session, words) if words else None,
        "start": _starting_nodes(session, caller.principal),
        "LEVEL_LABELS": LEVEL_LABELS,
    }
    return render(request, "registry/territories.html", context)


@router.get("/territories/{code}")
def territory_page(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    code: str,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    if level_of(code) is None:
        raise NotFound(f"no territory has code {code}")
    node = queries.get_territory(session, code)
    principal = caller.principal
    level = as_level(node.level)
    child_level = CHILD_LEVEL[level]
    children: list[Territory] = []
    counts = counts_by_node(session, code, len(code), principal)
    if child_level is not None:
        found, _total = queries.list_territories(
            session, territory=code, level=child_level, limit=None
        )
        children = list(found)
        counts |= counts_by_node(session, code, CODE_LENGTH[child_level], principal)
    posts = current_posts_at(session, code, principal) if may(principal, "read", "post") else []
    context = {
        "node": node,
        "path": queries.nodes_by_code(session, ancestors(code)),
        "children": children,
        "counts": counts,
        "posts": posts,
        "holders": holder_names(session, posts),
        "POST_TYPES": POST_TYPES,
        "LEVEL_LABELS": LEVEL_LABELS,
        **_households(session, principal, node, page),
        **REGISTRY_LABELS,
    }
    return render(request, "registry/territory.html", context)


def _households(
    session: SessionDep, principal: Principal, node: Territory, page: int
) -> dict[str, object]:
    """A page of the node's households, for the levels that list them and a caller who may
    read some of them there."""
    if node.level not in HOUSEHOLD_LEVELS or not reaches(principal, "read", "household", node.code):
        return {"households": None, "household_total": 0, "page": page, "pages": 0}
    households, total = list_households(
        session,
        territory=node.code,
        limit=HOUSEHOLDS_PER_PAGE,
        offset=(page - 1) * HOUSEHOLDS_PER_PAGE,
        principal=principal,
    )
    pages = max(1, -(-total // HOUSEHOLDS_PER_PAGE))
    return {"households": households, "household_total": total, "page": page, "pages": pages}
