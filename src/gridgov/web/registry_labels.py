"""Words the registry pages show for the registry's codes (message ids, translated by the
templates with ``_(...)``)."""

from __future__ import annotations

from gridgov.i18n import N_

SEX_LABELS = {"male": N_("Male"), "female": N_("Female")}
RESIDENCE_STATUS_LABELS = {
    "living_here": N_("Living here"),
    "working_away": N_("Working away"),
    "incoming_migrant": N_("Incoming migrant"),
    "moved_out": N_("Moved out"),
    "deceased": N_("Deceased"),
}
HOUSEHOLD_STATUS_LABELS = {
    "active": N_("Active"),
    "moved_out": N_("Moved out"),
    "dissolved": N_("Dissolved"),
}
RELATION_LABELS = {
    "head": N_("Head of household"),
    "spouse": N_("Spouse"),
    "son": N_("Son"),
    "daughter": N_("Daughter"),
    "son_in_law": N_("Son-in-law"),
    "daughter_in_law": N_("Daughter-in-law"),
    "parent": N_("Parent"),
    "parent_in_law": N_("Parent-in-law"),
    "grandparent": N_("Grandparent"),
    "grandchild": N_("Grandchild"),
    "sibling": N_("Sibling"),
    "other_relative": N_("Other relative"),
    "other": N_("Other"),
}
EVENT_LABELS = {
    "registered": N_("Registered"),
    "moved_in": N_("Moved in"),
    "moved_out": N_("Moved out"),
    "birth": N_("Birth"),
    "death": N_("Death"),
    "household_split": N_("Household split"),
    "unit_changed": N_("Unit changed"),
    "status_changed": N_("Status changed"),
    "updated": N_("Updated"),
}
# The fields the registry's forms name in their errors.
FIELD_LABELS = {
    "occurred_on": N_("Date"),
    "destination": N_("Moved to"),
    "origin": N_("Came from"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Date of birth"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "relation_to_head": N_("Relation to the head"),
    "residence_status": N_("Residence status"),
    "key_groups": N_("Key groups"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "reveal": N_("Fields to reveal"),
    "version": N_("Version"),
    "file": N_("File"),
    "kind": N_("What the file holds"),
    "household_id": N_("Household"),
    "resident_ids": N_("Residents"),
    "form": N_("Form"),
}
# The keys of a registry event's details, in its history table (the rest: the form fields'
# words above, else the key itself).
DETAIL_LABELS = {
    **FIELD_LABELS,
    "address": N_("Address"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "unit_code": N_("Unit"),
    "household_no": N_("Household number"),
    "status": N_("Status"),
    "must_visits": N_("Must-visit moments made"),
}
# Details whose value is a list of ids: shown as how many, never the ids.
COUNTED_DETAILS = frozenset({"must_visits", "resident_ids"})
REGISTRY_LABELS = {
    "SEX_LABELS": SEX_LABELS,
    "RESIDENCE_STATUS_LABELS": RESIDENCE_STATUS_LABELS,
    "HOUSEHOLD_STATUS_LABELS": HOUSEHOLD_STATUS_LABELS,
    "RELATION_LABELS": RELATION_LABELS,
    "EVENT_LABELS": EVENT_LABELS,
    "FIELD_LABELS": FIELD_LABELS,
    "DETAIL_LABELS": DETAIL_LABELS,
    "COUNTED_DETAILS": COUNTED_DETAILS,
}
