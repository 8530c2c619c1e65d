"""Permission checks: one object, or ONE NotFound whether it is missing or outside the
caller's territory (same message as a missing one), so nothing leaks by the difference.
PermissionDenied (403) only when no role of the caller may ever do the action.

The scope condition runs inside the SQL that loads the object (policy.scope_filter). Each
domain's ``access_*`` lives in its own ``queries.py`` and calls :func:`one_in_scope`; the
territory's is here, as territory sits below access.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from gridgov.access.policy import allows, may, reaches, scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, PermissionDenied
from gridgov.i18n import N_, Message
from gridgov.territory.models import Territory
from gridgov.territory.scope import clean_territory_filter, within

ACTION_WORDS = {
    "read": N_("read"),
    "create": N_("create"),
    "update": N_("change"),
    "retire": N_("end"),
    "reveal": N_("reveal personal fields of"),
}
RESOURCE_WORDS = {
    "territory": N_("territory nodes"),
    "household": N_("households"),
    "resident": N_("residents"),
    "post": N_("posts"),
    "import_export": N_("imports and exports"),
    "registry_event": N_("registry events"),
    "user": N_("users"),
    "reference": N_("reference lists"),
    "case": N_("cases"),
    "bridge": N_("outbound bridges"),
    "case_setting": N_("case categories and the working calendar"),
    "report": N_("reports"),
    "partition_plan": N_("grid-division plans"),
    "group": N_("groups"),
    "message": N_("group messages"),
    "contact": N_("party members and contact households"),
    "visit": N_("the contact ledger"),
    "roll_call": N_("roll-calls"),
    "shelter": N_("shelters"),
}
# A resource's name in "no household has id ...".
RESOURCE_NAMES = {
    "territory": N_("territory node"),
    "household": N_("household"),
    "resident": N_("resident"),
    "post": N_("post"),
    "import_export": N_("import or export"),
    "registry_event": N_("registry event"),
    "user": N_("user"),
    "reference": N_("reference list"),
    "case": N_("case"),
    "case_setting": N_("case setting"),
    "report": N_("report"),
    "partition_plan": N_("grid-division plan"),
    "bridge": N_("bridge route"),
    "group": N_("group"),
    "message": N_("message"),
    "contact": N_("contact record"),
    "visit": N_("visit"),
    "roll_call": N_("roll-call"),
    "shelter": N_("shelter"),
}


def require(principal: Principal, action: str, resource: str) -> None:
    """PermissionDenied unless one of the principal's roles may do this somewhere."""
    if not may(principal, action, resource):
        raise PermissionDenied(
            Message(
                "your roles may not %(action)s %(resource)s",
                action=Message(ACTION_WORDS[action]),
                resource=Message(RESOURCE_WORDS[resource]),
            )
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
        raise NotFound(
            Message(
                "no %(resource)s has id %(object_id)s",
                resource=Message(RESOURCE_NAMES.get(resource, resource)),
                object_id=object_id,
            )
        )
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
        raise NotFound(
            Message("no territory has code %(code)s", code=code),
            fields={"code": Message("not found")},
        )
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
        raise NotFound(
            Message("no territory has code %(code)s", code=code),
            fields={field: Message("not found")},
        )
    return code


def reach_territory(
    session: Session,
    principal: Principal | None,
    action: str,
    resource: str,
    code: str,
    *,
    field: str = "territory",
) -> str:
    """The rule for a ``territory=CODE`` filter, once for every list, export and report:
    a malformed code is bad input (422); a code no node has, or one outside the principal's
    reach (policy.reaches), is one NotFound (404) naming ``field``, the same for both; a
    code above the principal's node is accepted, and the rows they may see (the caller's
    part) come through the query's scope filter. Without a principal (the CLI) only the
    code and the node are checked."""
    clean_territory_filter(code, field=field)
    missing = NotFound(
        Message("no territory has code %(code)s", code=code), fields={field: Message("not found")}
    )
    if principal is not None and not reaches(principal, action, resource, code):
        raise missing
    if not session.scalar(select(exists().where(Territory.code == code))):
        raise missing
    return code


def place_conditions(
    session: Session,
    principal: Principal | None,
    resource: str,
    code_column: Any,
    territory: str | None,
    *,
    household_column: Any = None,
) -> list[ColumnElement[bool]]:
    """Where a list may look: the principal's read scope (if any) and the ``territory``
    filter, checked by :func:`reach_territory`."""
    conditions: list[ColumnElement[bool]] = []
    if principal is not None:
        conditions.append(
            scope_filter(
                principal, "read", resource, code_column, household_column=household_column
            )
        )
    if territory is not None:
        reach_territory(session, principal, "read", resource, territory)
        conditions.append(within(code_column, territory))
    return conditions
