"""What each role may read and change, as ONE table a reader can check.

Each role is held on a territory node (a Scope). A cell of POLICY says where a role may
perform an action on a resource:

    ALL     anywhere (the administrator)
    PUBLIC  anyone, even without a token (the territory tree and boundaries: no personal data)
    SUB     the role's node and everything under it (a code-prefix filter in SQL)
    BELOW   strictly under the role's node: one creates, retires and appoints to the nodes
            one leads, never one's own node (a village secretary appoints grid leaders, the
            town appoints the village secretary)
    OWN     the principal's own household (the resident they are linked to lives there)
    CONTACT the households assigned to the party member (gridgov.contacts registers the
            provider; without it, the party member's own household and nothing more).
            (Both are asked of the provider registered for the rule: access.providers.)
    MEMBER  the groups the principal is a member of (grid groups: the provider the groups
            package registers in access.providers); rows name their group by ``group_column``
    -       never: asking answers 403 when no role of the caller has the action anywhere

Actions: read, create, update, retire (retire a node, end a post, move out, record a
death: the end of a record's current life), reveal (see ID numbers and phones unmasked).
Resources: ``import_export`` reads are exports and creates are imports; ``reference`` is
the shared vocabulary (post types, key groups): every signed-in user reads it. ``case``:
the cases located in a territory (read: see them; create: report one located there;
update: take a workflow action, which cases/workflow.py narrows further by role and level;
reveal: see the reporter's contact). Every signed-in user may report a case anywhere and
always sees the cases they reported or follow (cases.queries adds that to the filter); a
resident also sees the cases about their own household.
``contact``: party members, contact assignments, due contacts and "must visit" moments
(create: mark members, run or pin assignments, record a moment). ``visit``: the contact
ledger (a household confirms its visits by a rule of its own, gridgov.contacts.confirm).
``case_setting``: case categories and the working calendar. ``report``: the measures
leaders look at. ``partition_plan``: grid-division plans (create: compute one; update:
apply or roll back). ``bridge``: the outbound bridges (a group's WeCom robot) and their dead
letters (read: list them; create: add a route; update: switch a route, retry or discard a
dead letter), the administrators' alone. ``group``: grid groups (read: a member reads their
groups; create: a leader opens the group of a grid or unit they lead; update: moderate:
mute, remove, approve invitations, change the mode). ``message``: the messages of a group
(read and create: its members; update: recall and pin, by the leaders who moderate the
group). Membership is not a role: groups.queries adds the MEMBER condition for every
signed-in user (someone who joined by an invitation holds no role), and lets a moderator
read the groups they moderate.
``roll_call``: emergency roll-calls, checked on each household's node in it (read: see the
household's line and its details; create: start a roll-call over a node; update: confirm a
household, and give the all-clear and close a roll-call one may start; reveal: phones in the
roster and on the cards, to call: a unit leader too, for their unit's households, as for
cases). Everyone under a roll-call's node sees the roll-call and its counts (policy.reaches).
``shelter``: the places people move to, by village (every signed-in user reads them).

:func:`may` answers "can this principal EVER do it" (else 403); :func:`scope_filter` is the
SQL condition every query adds, and :func:`allows` the same rule on one code, for a code a
request names (the node a household is created in).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.sql.elements import False_

from gridgov.access.principal import Principal
from gridgov.access.providers import (
    CONTACT,
    HOUSEHOLD_RULES,
    MEMBER,
    OWN,
    household_scope,
    member_scope,
)
from gridgov.access.roles import ROLES
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.scope import within

ACTIONS: Final = ("read", "create", "update", "retire", "reveal")
RESOURCES: Final = (
    "territory",
    "household",
    "resident",
    "post",
    "import_export",
    "registry_event",
    "user",
    "reference",
    "case",
    "case_setting",
    "report",
    "partition_plan",
    "bridge",
    "group",
    "message",
    "contact",
    "visit",
    "roll_call",
    "shelter",
)

ALL, PUBLIC, SUB, BELOW = "ALL", "PUBLIC", "SUB", "BELOW"  # OWN, CONTACT: access.providers
Rule = str | None
_: Rule = None

# fmt: off
POLICY: Final[dict[str, dict[str, tuple[Rule, Rule, Rule, Rule, Rule]]]] = {
    #                        read     create  update  retire  reveal
    "territory": {
        "administrator":     (PUBLIC, ALL,    ALL,    ALL,    _),
        "town_official":     (PUBLIC, BELOW,  SUB,    BELOW,  _),
        "village_secretary": (PUBLIC, BELOW,  SUB,    BELOW,  _),
        "grid_leader":       (PUBLIC, BELOW,  SUB,    BELOW,  _),
        "unit_leader":       (PUBLIC, _,      _,      _,      _),
        "party_member":      (PUBLIC, _,      _,      _,      _),
        "resident":          (PUBLIC, _,      _,      _,      _),
    },
    "household": {
        "administrator":     (ALL,    ALL,    ALL,    ALL,    ALL),
        "town_official":     (SUB,    SUB,    SUB,    SUB,    SUB),
        "village_secretary": (SUB,    SUB,    SUB,    SUB,    SUB),
        "grid_leader":       (SUB,    SUB,    SUB,    SUB,    SUB),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (CONTACT, _,     _,      _,      _),
        "resident":          (OWN,    _,      _,      _,      _),
    },
    "resident": {
        "administrator":     (ALL,    ALL,    ALL,    ALL,    ALL),
        "town_official":     (SUB,    SUB,    SUB,    SUB,    SUB),
        "village_secretary": (SUB,    SUB,    SUB,    SUB,    SUB),
        "grid_leader":       (SUB,    SUB,    SUB,    SUB,    SUB),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (CONTACT, _,     _,      _,      _),
        "resident":          (OWN,    _,      _,      _,      _),
    },
    "post": {  # posts are started and ended (a handover is both), never edited
        "administrator":     (ALL,    ALL,    _,      ALL,    _),
        "town_official":     (SUB,    BELOW,  _,      BELOW,  _),
        "village_secretary": (SUB,    BELOW,  _,      BELOW,  _),
        "grid_leader":       (SUB,    BELOW,  _,      BELOW,  _),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "import_export": {  # read: export, create: import, reveal: unmasked export
        "administrator":     (ALL,    ALL,    _,      _,      ALL),
        "town_official":     (SUB,    SUB,    _,      _,      SUB),
        "village_secretary": (SUB,    SUB,    _,      _,      SUB),
        "grid_leader":       (SUB,    _,      _,      _,      _),
        "unit_leader":       (_,      _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "registry_event": {  # written only by the registry's actions
        "administrator":     (ALL,    _,      _,      _,      _),
        "town_official":     (SUB,    _,      _,      _,      _),
        "village_secretary": (SUB,    _,      _,      _,      _),
        "grid_leader":       (SUB,    _,      _,      _,      _),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (CONTACT, _,     _,      _,      _),
        "resident":          (OWN,    _,      _,      _,      _),
    },
    "user": {  # update includes a password reset by the user's leader
        "administrator":     (ALL,    ALL,    ALL,    ALL,    _),
        "town_official":     (SUB,    SUB,    SUB,    SUB,    _),
        "village_secretary": (SUB,    SUB,    SUB,    SUB,    _),
        "grid_leader":       (SUB,    _,      SUB,    _,      _),
        "unit_leader":       (_,      _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "reference": {
        "administrator":     (ALL,    _,      _,      _,      _),
        "town_official":     (ALL,    _,      _,      _,      _),
        "village_secretary": (ALL,    _,      _,      _,      _),
        "grid_leader":       (ALL,    _,      _,      _,      _),
        "unit_leader":       (ALL,    _,      _,      _,      _),
        "party_member":      (ALL,    _,      _,      _,      _),
        "resident":          (ALL,    _,      _,      _,      _),
    },
    "case": {
        "administrator":     (ALL,    ALL,    ALL,    ALL,    ALL),
        "town_official":     (SUB,    ALL,    SUB,    _,      SUB),
        "village_secretary": (SUB,    ALL,    SUB,    _,      SUB),
        "grid_leader":       (SUB,    ALL,    SUB,    _,      SUB),
        "unit_leader":       (SUB,    ALL,    SUB,    _,      SUB),
        "party_member":      (CONTACT, ALL,   _,      _,      _),
        "resident":          (OWN,    ALL,    _,      _,      _),
    },
    "case_setting": {  # categories and the working calendar
        "administrator":     (ALL,    ALL,    ALL,    ALL,    _),
        "town_official":     (ALL,    _,      _,      _,      _),
        "village_secretary": (ALL,    _,      _,      _,      _),
        "grid_leader":       (ALL,    _,      _,      _,      _),
        "unit_leader":       (ALL,    _,      _,      _,      _),
        "party_member":      (ALL,    _,      _,      _,      _),
        "resident":          (ALL,    _,      _,      _,      _),
    },
    "report": {
        "administrator":     (ALL,    _,      _,      _,      _),
        "town_official":     (SUB,    _,      _,      _,      _),
        "village_secretary": (SUB,    _,      _,      _,      _),
        "grid_leader":       (SUB,    _,      _,      _,      _),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "partition_plan": {  # create: compute a plan; update: apply or roll it back
        "administrator":     (ALL,    ALL,    ALL,    _,      _),
        "town_official":     (SUB,    SUB,    SUB,    _,      _),
        "village_secretary": (SUB,    SUB,    SUB,    _,      _),
        "grid_leader":       (_,      _,      _,      _,      _),
        "unit_leader":       (_,      _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "bridge": {  # outbound routes and dead letters (WeCom robots, e-mail, SMS)
        "administrator":     (ALL,    ALL,    ALL,    _,      _),
        "town_official":     (_,      _,      _,      _,      _),
        "village_secretary": (_,      _,      _,      _,      _),
        "grid_leader":       (_,      _,      _,      _,      _),
        "unit_leader":       (_,      _,      _,      _,      _),
        "party_member":      (_,      _,      _,      _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "group": {  # update: moderate (mute, remove, invitations, mode)
        "administrator":     (ALL,    ALL,    ALL,    _,      _),
        "town_official":     (MEMBER, SUB,    SUB,    _,      _),
        "village_secretary": (MEMBER, SUB,    SUB,    _,      _),
        "grid_leader":       (MEMBER, SUB,    SUB,    _,      _),
        "unit_leader":       (MEMBER, SUB,    SUB,    _,      _),
        "party_member":      (MEMBER, _,      _,      _,      _),
        "resident":          (MEMBER, _,      _,      _,      _),
    },
    "message": {  # update: recall and pin
        "administrator":     (ALL,    ALL,    ALL,    _,      _),
        "town_official":     (MEMBER, MEMBER, SUB,    _,      _),
        "village_secretary": (MEMBER, MEMBER, SUB,    _,      _),
        "grid_leader":       (MEMBER, MEMBER, SUB,    _,      _),
        "unit_leader":       (MEMBER, MEMBER, SUB,    _,      _),
        "party_member":      (MEMBER, MEMBER, _,      _,      _),
        "resident":          (MEMBER, MEMBER, _,      _,      _),
    },
    "contact": {  # party members, assignments, due contacts, must-visit moments
        "administrator":     (ALL,    ALL,    ALL,    ALL,    ALL),
        "town_official":     (SUB,    SUB,    SUB,    SUB,    SUB),
        "village_secretary": (SUB,    SUB,    SUB,    SUB,    SUB),
        "grid_leader":       (SUB,    SUB,    SUB,    _,      _),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (CONTACT, CONTACT, _,    _,      _),
        "resident":          (_,      _,      _,      _,      _),
    },
    "visit": {  # the contact ledger
        "administrator":     (ALL,    ALL,    ALL,    _,      _),
        "town_official":     (SUB,    SUB,    SUB,    _,      _),
        "village_secretary": (SUB,    SUB,    SUB,    _,      _),
        "grid_leader":       (SUB,    SUB,    SUB,    _,      _),
        "unit_leader":       (SUB,    _,      _,      _,      _),
        "party_member":      (CONTACT, CONTACT, CONTACT, _,   _),
        "resident":          (OWN,    _,      _,      _,      _),
    },
    "roll_call": {  # create: start one; update: confirm a household (and all-clear, close)
        "administrator":     (ALL,    ALL,    ALL,    _,      ALL),
        "town_official":     (SUB,    SUB,    SUB,    _,      SUB),
        "village_secretary": (SUB,    SUB,    SUB,    _,      SUB),
        "grid_leader":       (SUB,    _,      SUB,    _,      SUB),
        "unit_leader":       (SUB,    _,      SUB,    _,      SUB),
        "party_member":      (CONTACT, _,     CONTACT, _,     _),
        "resident":          (OWN,    _,      OWN,    _,      _),
    },
    "shelter": {
        "administrator":     (ALL,    ALL,    ALL,    ALL,    _),
        "town_official":     (ALL,    SUB,    SUB,    SUB,    _),
        "village_secretary": (ALL,    SUB,    SUB,    SUB,    _),
        "grid_leader":       (ALL,    _,      _,      _,      _),
        "unit_leader":       (ALL,    _,      _,      _,      _),
        "party_member":      (ALL,    _,      _,      _,      _),
        "resident":          (ALL,    _,      _,      _,      _),
    },
}
# fmt: on
assert all(tuple(by_role) == ROLES for by_role in POLICY.values())  # no role forgotten
assert tuple(POLICY) == RESOURCES


def rule(role: str, action: str, resource: str) -> Rule:
    """The cell of POLICY (KeyError names an unknown role, action or resource)."""
    return POLICY[resource][role][ACTIONS.index(action)]


def _check(action: str, resource: str) -> None:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if resource not in RESOURCES:
        raise KeyError(f"unknown resource {resource!r}")


def is_public(action: str, resource: str) -> bool:
    """True when anyone may do it, signed in or not (the territory map)."""
    _check(action, resource)
    return all(rule(role, action, resource) == PUBLIC for role in ROLES)


def may(principal: Principal, action: str, resource: str) -> bool:
    """Can any of the principal's roles EVER do ``action`` on ``resource``? Else 403."""
    _check(action, resource)
    return any(rule(s.role, action, resource) is not None for s in principal.scopes)


def _one(
    principal: Principal, cell: str, code: str | None, column: Any, household: Any, group: Any
) -> Any:
    """One scope's condition; None when the scope matches every row."""
    if cell in (ALL, PUBLIC):
        return None
    if cell == MEMBER:
        return false() if group is None else member_scope().condition(principal, group)
    if cell in (SUB, BELOW):
        if code is None:
            return None  # a null node is the whole platform (an administrator's assignment)
        under = within(column, code)
        return under if cell == SUB else and_(under, column != code)
    # OWN / CONTACT: by household, as the rule's provider counts them; without a household
    # column nothing matches.
    if household is None:
        return false()
    return household_scope(cell).condition(principal, household)


def scope_filter(
    principal: Principal,
    action: str,
    resource: str,
    code_column: Any,
    *,
    household_column: Any = None,
    group_column: Any = None,
) -> ColumnElement[bool]:
    """The SQL condition "the principal may do ``action`` on this row": an OR over the
    principal's scopes whose role allows it. ``household_column`` names the row's household
    (OWN and CONTACT rules), ``group_column`` its group (MEMBER); a principal with no such
    scope gets ``false()``."""
    _check(action, resource)
    terms: list[Any] = []
    for scope in principal.scopes:
        cell = rule(scope.role, action, resource)
        if cell is None:
            continue
        term = _one(
            principal, cell, scope.territory_code, code_column, household_column, group_column
        )
        if term is None:
            return true()
        if not any(term.compare(seen) for seen in terms):
            terms.append(term)
    terms = [term for term in terms if not isinstance(term, False_)]
    if not terms:
        return false()
    return or_(*terms) if len(terms) > 1 else terms[0]


def allows(
    principal: Principal,
    action: str,
    resource: str,
    territory_code: str,
    *,
    household_id: str | None = None,
) -> bool:
    """The rule of :func:`scope_filter` on one row's code (and household), in Python: for a
    code a request names (the unit a household is created in), never to filter a list."""
    _check(action, resource)
    for scope in principal.scopes:
        cell = rule(scope.role, action, resource)
        if cell in (ALL, PUBLIC) or (scope.territory_code is None and cell in (SUB, BELOW)):
            return True
        if scope.territory_code is None:
            continue
        if cell == SUB and territory_code.startswith(scope.territory_code):
            return True
        if (
            cell == BELOW
            and territory_code.startswith(scope.territory_code)
            and territory_code != scope.territory_code
        ):
            return True
        if (
            cell in HOUSEHOLD_RULES
            and household_id is not None
            and household_scope(cell).contains(principal, household_id)
        ):
            return True
    return False


def reaches(principal: Principal, action: str, resource: str, territory_code: str) -> bool:
    """Whether ``territory=CODE`` on a list, export or report is within the principal's
    reach for ``action`` on ``resource``: a node where one of their roles may act, under one,
    or above one (an ancestor of their node: the answer then holds their part only). Any
    other code answers 404, exactly like a code no node has (api/params.py says so)."""
    _check(action, resource)
    for scope in principal.scopes:
        cell = rule(scope.role, action, resource)
        if cell is None:
            continue
        if cell in (ALL, PUBLIC) or (scope.territory_code is None and cell in (SUB, BELOW)):
            return True
        # OWN and CONTACT reach households, not the role's node: the nodes of the households
        # the rule's provider counts (the own household; the contact households).
        nodes = (
            household_scope(cell).codes(principal)
            if cell in HOUSEHOLD_RULES
            else frozenset({scope.territory_code})
        )
        if any(
            node is not None
            and (territory_code.startswith(node) or node.startswith(territory_code))
            for node in nodes
        ):
            return True
    return False


def reach_filter(
    principal: Principal, action: str, resource: str, code_column: Any
) -> ColumnElement[bool]:
    """The rule of :func:`reaches` as SQL over a row's node (a list of roll-calls the caller
    reaches): the row's node is on or under a node of one of their roles, or above one (an
    ancestor: one of the node's code prefixes)."""
    _check(action, resource)
    nodes: set[str] = set()
    for scope in principal.scopes:
        cell = rule(scope.role, action, resource)
        if cell is None:
            continue
        if cell in (ALL, PUBLIC) or (scope.territory_code is None and cell in (SUB, BELOW)):
            return true()
        found = (
            household_scope(cell).codes(principal)
            if cell in HOUSEHOLD_RULES
            else frozenset({scope.territory_code})
        )
        nodes |= {node for node in found if node is not None}
    if not nodes:
        return false()
    terms: list[Any] = [within(code_column, node) for node in sorted(nodes)]
    above = {
        node[:length] for node in nodes for length in CODE_LENGTH.values() if length < len(node)
    }
    if above:
        terms.append(code_column.in_(sorted(above)))
    return or_(*terms) if len(terms) > 1 else terms[0]
