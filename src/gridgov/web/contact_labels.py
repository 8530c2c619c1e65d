"""Message ids for the contact pages' codes: visit methods, hazards, due reasons, figures."""

from __future__ import annotations

from gridgov.i18n import N_

METHOD_LABELS = {
    "home_visit": N_("Home visit"),
    "phone": N_("Phone call"),
    "group_message": N_("Group message"),
    "meeting": N_("Meeting"),
}
HAZARD_LABELS = {
    "safety": N_("Safety hazard"),
    "fire": N_("Fire hazard"),
    "sanitation": N_("Sanitation problem"),
}
# Why a household is due a contact: its rhythm came round, or a "must visit" moment.
REASON_LABELS = {
    "rhythm": N_("Regular contact"),
    "death": N_("A death in the household"),
    "birth": N_("A birth in the household"),
    "dispute_followup": N_("Follow-up of a dispute"),
    "key_group": N_("Entered a key group"),
    "wedding": N_("Wedding"),
    "funeral": N_("Funeral"),
    "hospital": N_("Stay in hospital"),
    "hardship": N_("Hardship"),
    "other": N_("Other"),
}
COUNT_LABELS = {
    "disputes": N_("Disputes"),
    "requests": N_("Requests"),
    "suggestions": N_("Suggestions"),
    "other_matters": N_("Other matters"),
}
# The coverage table's columns (contacts.report figures).
FIGURE_LABELS = {
    "households": N_("Households"),
    "assigned": N_("With a party member"),
    "contacted_30d": N_("Contacted in 30 days"),
    "contacted_90d": N_("Contacted in 90 days"),
    "due_now": N_("Due now"),
    "overdue": N_("Overdue"),
}
# The visit form's fields, for its error list (the form's own labels).
FIELD_LABELS = {
    "household_ids": N_("Households visited"),
    "visited_on": N_("Day of the visit"),
    "start_time": N_("From"),
    "end_time": N_("To"),
    "method": N_("How"),
    "disputes": N_("Disputes"),
    "requests": N_("Requests"),
    "suggestions": N_("Suggestions"),
    "other_matters": N_("Other matters"),
    "matters_text": N_("What was said"),
    "hazards": N_("Hazards found"),
    "member_ids": N_("Party members"),
    "rating": N_("Rating"),
    # a case raised with the visit: the form's checks, then case intake's own fields
    "cases.category_code": N_("Category of the case"),
    "cases.description": N_("What the case is about"),
    "cases.household_id": N_("Households visited"),
    "category_code": N_("Category of the case"),
    "description": N_("What the case is about"),
}
LABELS = {
    "FIELD_LABELS": FIELD_LABELS,
    "METHOD_LABELS": METHOD_LABELS,
    "HAZARD_LABELS": HAZARD_LABELS,
    "REASON_LABELS": REASON_LABELS,
    "COUNT_LABELS": COUNT_LABELS,
    "FIGURE_LABELS": FIGURE_LABELS,
}
