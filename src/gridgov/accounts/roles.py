"""Which level of territory node each role is assigned on (pure), as a table to check."""

from __future__ import annotations

from gridgov.accounts.models import ROLES

# None: any node (an administrator may also hold the whole platform: no node at all).
ROLE_LEVEL: dict[str, str | None] = {
    "administrator": None,
    "town_official": "town",
    "village_secretary": "village",
    "grid_leader": "grid",
    "unit_leader": "unit",
    "party_member": None,
    "resident": None,
}

assert tuple(ROLE_LEVEL) == ROLES  # one table, no role forgotten


def level_problem(role: str, level: str) -> str | None:
    """Why ``role`` cannot be held on a node of ``level``, or None when it fits."""
    if role not in ROLE_LEVEL:
        return f"role must be one of {', '.join(ROLES)}"
    wanted = ROLE_LEVEL[role]
    if wanted is not None and wanted != level:
        return f"a {role} is assigned on a {wanted}, not on a {level}"
    return None
