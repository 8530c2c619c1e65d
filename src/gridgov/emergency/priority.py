"""Which households a roll-call reaches first, and why (data the start reads)."""

from __future__ import annotations

from typing import Final

# Key groups whose members are moved and confirmed first: elderly living alone, disabled,
# bedridden or seriously ill, left-behind children, pregnant women.
PRIORITY_KEY_GROUPS: Final = (
    "elderly_alone",
    "disabled",
    "serious_illness",
    "left_behind_child",
    "pregnant",
)
DANGEROUS_HOUSE: Final = "dangerous_house"
# Residents who are there when a typhoon comes (working_away and the departed are not).
PRESENT_STATUSES: Final = ("living_here", "incoming_migrant")


def reasons_of(stored: str) -> list[str]:
    """The reasons a roll-call row stores as ``code,code,`` as a list."""
    return [reason for reason in stored.split(",") if reason]
