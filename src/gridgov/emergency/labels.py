"""Message ids for the roll-call codes people read (statuses, confirmers, where people went):
the pages (gridgov.web.rollcall_labels) and the roster share these tables."""

from __future__ import annotations

from gridgov.i18n import N_

STATUS_LABELS = {
    "unconfirmed": N_("Unconfirmed"),
    "safe_at_home": N_("Safe at home"),
    "moved_shelter": N_("Moved to a shelter"),
    "moved_relatives": N_("Moved to relatives"),
    "moved_off_island": N_("Moved off the island"),
    "away": N_("Away, not on the island"),
    "needs_help": N_("Needs help"),
    "returned": N_("Returned home"),
}
# Who confirmed (RollCallHousehold.confirmer): "leader" is any other leader, and every
# leader confirmed before the officials had codes of their own.
CONFIRMER_LABELS = {
    "household": N_("The household head himself"),
    "unit_leader": N_("Unit leader"),
    "grid_leader": N_("Grid leader"),
    "contact": N_("Contact party member"),
    "leader": N_("Cadre"),  # administrators, and user confirmations before 0020
    "village_official": N_("Village official"),
    "town_official": N_("Town official"),
    "system": N_("System (command line)"),
}
# Where people went, for the moves that are not to a shelter (a shelter: its name).
WHERE_LABELS = {
    "moved_relatives": N_("Relatives' home"),
    "moved_off_island": N_("Off the island"),
}
