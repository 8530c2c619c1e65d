"""Accounts: users, bearer tokens, role assignments scoped to a territory code, logins.

Importing accounts registers the policy's CONTACT households (access.providers): contact
households come with the contacts issue; until then a party member's contact household is
their own. Registered here, so any import of accounts brings it along.
"""

from gridgov.access.providers import CONTACT, OwnHousehold, register_household_scope

register_household_scope(CONTACT, OwnHousehold())
