"""Message ids for the roll-call codes the pages show (kinds, statuses, methods, states);
the statuses' table is gridgov.emergency.labels' (the roster writes the same words)."""

from __future__ import annotations

from gridgov.emergency.labels import CONFIRMER_LABELS, STATUS_LABELS
from gridgov.i18n import N_

KIND_LABELS = {
    "typhoon": N_("Typhoon"),
    "flood": N_("Flood"),
    "fire": N_("Fire"),
    "other": N_("Other emergency"),
}
METHOD_LABELS = {
    "in_person": N_("In person"),
    "phone": N_("By phone"),
    "message": N_("By message"),
}
ROLLCALL_STATE_LABELS = {
    "open": N_("Open"),
    "all_clear": N_("All clear"),
    "closed": N_("Closed"),
}
PRIORITY_REASON_LABELS = {
    "elderly_alone": N_("Elderly living alone"),
    "disabled": N_("Disabled"),
    "serious_illness": N_("Bedridden or ill"),
    "left_behind_child": N_("Left-behind child"),
    "pregnant": N_("Pregnant"),
    "dangerous_house": N_("Dangerous house"),
}
# The one-tap choices, in the order shown; ``returned`` only after an all-clear.
TAP_STATUSES = (
    "safe_at_home",
    "moved_shelter",
    "moved_relatives",
    "moved_off_island",
    "away",
    "needs_help",
)
# The taps a card shows as big buttons; the rarer ones (a shelter to choose, the help
# needed) are behind the card's "more".
COMMON_STATUSES = ("safe_at_home", "moved_relatives", "moved_off_island", "away")

LABELS = {
    "KIND_LABELS": KIND_LABELS,
    "STATUS_LABELS": STATUS_LABELS,
    "ROLLCALL_STATE_LABELS": ROLLCALL_STATE_LABELS,
    "METHOD_LABELS": METHOD_LABELS,
    "PRIORITY_REASON_LABELS": PRIORITY_REASON_LABELS,
    "CONFIRMER_LABELS": CONFIRMER_LABELS,
}
