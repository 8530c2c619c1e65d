"""The states a case can be in (pure: the workflow and the tables both read them)."""

from __future__ import annotations

from typing import Final

CASE_STATES: Final = (
    "reported",  # waiting at its level for a handler to accept it
    "accepted",
    "in_progress",
    "returned",  # returned to the reporter for more information
    "resolved",  # waiting for the reporter's confirmation and rating
    "closed",
    "rejected",  # as a duplicate (duplicate_of_id set) or out of scope
    "withdrawn",
)
OPEN_STATES: Final = ("reported", "accepted", "in_progress", "returned")
