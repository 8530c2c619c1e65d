"""The roles and the territory levels they belong to (pure): ONE table, read both ways.

``held on``: the level of node a role is assigned on (None: any node; an administrator may
also hold the whole platform, no node at all). ``leads``: the level whose nodes the role
leads, so it handles the cases waiting at that level (cases.levels, cases.workflow).
"""

from __future__ import annotations

from typing import Final

# fmt: off
#                                                  held on    leads
ROLE_LEVELS: Final[dict[str, tuple[str | None, str | None]]] = {
    "administrator":     (None,      "district"),
    "town_official":     ("town",    "town"),
    "village_secretary": ("village", "village"),
    "grid_leader":       ("grid",    "grid"),
    "unit_leader":       ("unit",    "unit"),
    "party_member":      (None,      None),
    "resident":          (None,      None),
}
# fmt: on

# The roles, widest authority first (administrator), narrowest last (resident).
ROLES: Final = tuple(ROLE_LEVELS)
# Where each role is assigned (None: any node).
HELD_ON: Final[dict[str, str | None]] = {role: held for role, (held, _) in ROLE_LEVELS.items()}
# The level each leading role handles, and the role leading each level.
LEADS: Final[dict[str, str]] = {
    role: led for role, (_, led) in ROLE_LEVELS.items() if led is not None
}
LEADER_OF: Final[dict[str, str]] = {led: role for role, led in LEADS.items()}


def level_problem(role: str, level: str) -> str | None:
    """Why ``role`` cannot be held on a node of ``level``, or None when it fits."""
    if role not in HELD_ON:
        return f"role must be one of {', '.join(ROLES)}"
    wanted = HELD_ON[role]
    if wanted is not None and wanted != level:
        return f"a {role} is assigned on a {wanted}, not on a {level}"
    return None
