"""Permission checks: one object, or ONE NotFound whether it is missing or outside the
caller's territory (same message as a missing one), so nothing leaks by the difference.
PermissionDenied (403) only when no role of the caller may ever do the action.

The scope condition runs inside the SQL that loads the object (policy.scope_filter). Each
domain's ``access_*`` lives in its own ``queries.py`` and calls :func:`one_in_scope`; the
territory's is here, as territory sits below access.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.policy import allows, may, scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, PermissionDenied
from gridgov.territory.models import Territory

ACTION_WORDS = {
    "read": "read",
    "create": "create",
    "update": "change",
    "retire": "end",
    "reveal": "reveal personal fields of",
}
RESOURCE_WORDS = {
    "territory": "territory nodes",
    "household": "households",
    "resident": "residents",
    "post": "posts",
    "import_export": "imports and exports",
    "registry_event": "registry events",
    "user": "users",
    "reference": "reference lists",
    "case": "cases",
    "case_setting": "case categories and the working calendar",
    "report": "reports",
    "partition_plan": "grid-division plans",
}


def require(principal: Principal, action: str, resource: str) -> None:
    """PermissionDenied unless one of the principal's roles may do this somewhere."""
    if not may(principal, action, resource):
        raise PermissionDenied(
            f"your roles may not {ACTION_WORDS[action]} {RESOURCE_WORDS[resource]}"
        )


def one_in_scope(
    session: Session,
    model: Any,
    object_id: str,
    principal: Principal,
    action: str,
    resource: str,
    *,
    household_column: Any = None,
) -> Any:
    """The row with this id if the principal may act on it, else the NotFound a missing
    row would give: the filter is in the same SQL, so both answers are one."""
    require(principal, action, resource)
    found = session.scalar(
        select(model).where(
            model.id == object_id,
            scope_filter(
                principal,
                action,
                resource,
                model.territory_code,
                household_column=household_column,
            ),
        )
    )
    if found is None:
        raise NotFound(f"no {resource} has id {object_id}")
    return found


def access_territory_write(
    session: Session, code: str, principal: Principal, action: str = "update"
) -> Territory:
    """A node the principal may update or retire. The tree is public to read, but a node
    outside the caller's reach still answers exactly like a missing one."""
    require(principal, action, "territory")
    node = session.scalar(
        select(Territory).where(
            Territory.code == code,
            scope_filter(principal, action, "territory", Territory.code),
        )
    )
    if node is None:
        raise NotFound(f"no territory has code {code}", fields={"code": "not found"})
    return node


def require_target(
    principal: Principal, action: str, resource: str, code: str, *, field: str
) -> str:
    """A territory code a request names as the place of a new or moved record (the unit a
    household is created in, the node a post is held on): NotFound when it is outside the
    principal's reach. Decided on the code alone, before the database is asked, so a code
    outside answers the same whether its node exists or not."""
    require(principal, action, resource)
    if not allows(principal, action, resource, code):
        raise NotFound(f"no territory has code {code}", fields={field: "not found"})
    return code
