"""Words the case pages show for the workflow's codes and the form fields' problems (message
ids, translated by the templates). The rules themselves stay in cases.workflow and
cases.actions: this only names them for a reader."""

from __future__ import annotations

from gridgov.i18n import N_

# The buttons of the actions a person takes (cases.workflow.RULES, people's actions).
ACTION_LABELS = {
    "accept": N_("Accept"),
    "start": N_("Start work"),
    "return": N_("Return for information"),
    "supply": N_("Send the information asked for"),
    "resolve": N_("Mark resolved"),
    "escalate": N_("Escalate"),
    "reject_duplicate": N_("Reject as a duplicate"),
    "reject_out_of_scope": N_("Reject as out of scope"),
    "withdraw": N_("Withdraw my report"),
    "rate": N_("Rate the resolution"),
}
# The timeline's steps (a person's action above, or the system's and intake's).
EVENT_LABELS = {
    "report": N_("Reported"),
    "accept": N_("Accepted"),
    "start": N_("Work started"),
    "return": N_("Returned for information"),
    "supply": N_("Information supplied"),
    "resolve": N_("Resolved"),
    "escalate": N_("Escalated"),
    "reject_duplicate": N_("Rejected as a duplicate"),
    "reject_out_of_scope": N_("Rejected as out of scope"),
    "withdraw": N_("Withdrawn"),
    "rate": N_("Rated"),
    "auto_escalate": N_("Escalated for being overdue"),
    "auto_close": N_("Closed without feedback"),
    "warn": N_("Due soon"),
    "overdue": N_("Overdue"),
    "merged": N_("A duplicate was merged in"),
}
# What the note field asks for, by action (where cases.actions.NOTE_REQUIRED needs one).
NOTE_PROMPTS = {
    "resolve": N_("How was it resolved?"),
    "escalate": N_("Why escalate?"),
    "return": N_("What information is missing?"),
    "reject_out_of_scope": N_("Why is it out of scope?"),
}
# A form field's problem, as the reader sees it (the domain's own text is English).
FIELD_PROBLEMS = {
    "note": N_("Write a note: this step needs one (at most 4000 characters)."),
    "rating": N_("Choose a rating from 1 to 5."),
    "comment": N_("The comment is at most 500 characters."),
    "duplicate_of": N_("Give the number of an open case of the same category."),
    "action": N_("This step cannot be taken now."),
    "category_code": N_("Choose a category."),
    "description": N_("Say what the problem is (1 to 2000 characters)."),
    "lon": N_("Tap the map or use your location, inside the village."),
    "lat": N_("Tap the map or use your location, inside the village."),
    "household_id": N_("Your household could not be found: tap the map instead."),
    "location": N_("Tap the map or use your location, or choose your household."),
    "file": N_("The photo must be a JPEG, PNG or WebP image of at most 5 MB."),
    "idempotency_key": N_("This report was already sent with other content: reload the form."),
}
GENERIC_PROBLEM = N_("This is not valid.")


def problems_of(fields: dict[str, str]) -> dict[str, str]:
    """Message ids for a ValidationFailed's fields (``problem`` for one no table names)."""
    return {name: FIELD_PROBLEMS.get(name, GENERIC_PROBLEM) for name in fields}
