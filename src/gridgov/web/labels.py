"""Words the pages show for the platform's codes (message ids: templates translate them with
``_(...)``). One table per kind of code, shared by every page."""

from __future__ import annotations

from gridgov.i18n import N_

ROLE_LABELS = {
    "administrator": N_("Administrator"),
    "town_official": N_("Town official"),
    "village_secretary": N_("Village secretary"),
    "grid_leader": N_("Grid leader"),
    "unit_leader": N_("Unit leader"),
    "party_member": N_("Party member"),
    "resident": N_("Villager"),
}
CASE_STATE_LABELS = {
    "reported": N_("Reported"),
    "accepted": N_("Accepted"),
    "in_progress": N_("In progress"),
    "returned": N_("Returned for information"),
    "resolved": N_("Resolved, waiting for feedback"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}
LEVEL_LABELS = {
    "district": N_("District"),
    "town": N_("Town"),
    "village": N_("Village"),
    "grid": N_("Grid"),
    "unit": N_("Unit"),
}
DIGEST_LABELS = {
    "off": N_("No e-mail digest"),
    "daily": N_("A digest every day"),
    "weekly": N_("A digest every week"),
}

TEXT_SIZE_LABELS = {
    "normal": N_("Normal"),
    "large": N_("Large"),
    "extra_large": N_("Extra large"),
}
