"""The navigation bar: which pages each role sees. A page's router adds its entry here.

``path`` may hold ``{code}``: the territory code of the caller's widest scope (a leader's
dashboard). ``roles`` None: every signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridgov.access.principal import Principal
from gridgov.access.roles import LEADS, ROLES
from gridgov.i18n import N_


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str  # a message id (N_), translated by the template
    roles: frozenset[str] | None = None

    def shown_to(self, principal: Principal) -> bool:
        return self.roles is None or bool(self.roles & principal.roles)


# Registry pages: the roles that read households under a node, and those that may export.
LEADERS = frozenset(
    {"administrator", "town_official", "village_secretary", "grid_leader", "unit_leader"}
)
REGISTRY_CLERKS = frozenset({"administrator", "town_official", "village_secretary", "grid_leader"})

NAV: list[NavItem] = [
    NavItem("/", N_("Home")),
    NavItem(
        "/dashboard/{code}",
        N_("Dashboard"),
        frozenset({"town_official", "village_secretary", "grid_leader"}),
    ),
    NavItem(
        "/partition-plans",
        N_("Grid division"),
        frozenset({"administrator", "town_official", "village_secretary"}),
    ),
    # Case pages (web/routes/cases.py, web/routes/report.py).
    NavItem("/cases", N_("Cases"), frozenset(LEADS)),
    NavItem("/report", N_("Report a case")),
    NavItem("/my-reports", N_("My reports")),
    # Group pages (web/routes/groups.py, group_admin.py).
    NavItem("/groups", N_("Groups")),
    NavItem("/bridges", N_("Bridges"), frozenset({"administrator"})),
    NavItem("/territories", N_("Registry"), LEADERS),
    NavItem("/imports", N_("Import and export"), REGISTRY_CLERKS),
    # Contact pages (web/routes/contacts.py, visits.py).
    NavItem("/contacts", N_("Contact households"), frozenset({"party_member"}) | LEADERS),
    NavItem("/visits", N_("Visits")),
    NavItem(
        "/contacts/coverage/{code}",
        N_("Contact coverage"),
        frozenset({"town_official", "village_secretary", "grid_leader"}),
    ),
    # Roll-call pages (web/routes/roll_calls.py): every signed-in user (a resident confirms
    # their own household).
    NavItem("/roll-calls", N_("Roll-calls")),
    NavItem("/settings", N_("Settings")),
]


def home_code(principal: Principal) -> str | None:
    """The node of the caller's widest scope (shortest code), for ``{code}`` links."""
    codes = [scope.territory_code for scope in principal.scopes if scope.territory_code]
    return min(codes, key=lambda code: (len(code), code)) if codes else None


def nav_for(principal: Principal) -> list[dict[str, str]]:
    """The entries ``principal`` sees, with their paths filled in."""
    code = home_code(principal)
    items = []
    for item in NAV:
        if not item.shown_to(principal):
            continue
        if "{code}" in item.path and code is None:
            continue
        items.append({"path": item.path.replace("{code}", code or ""), "label": item.label})
    return items


def widest_role(principal: Principal) -> str | None:
    """The caller's widest role (ROLES runs widest first), which picks their home page."""
    held = principal.roles
    return next((role for role in ROLES if role in held), None)
