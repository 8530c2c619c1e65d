"""Where a lower layer learns of the higher ones that react to it: every hook, subscription
and provider of the platform, installed in one place.

- territory batches: the audit log records the rows they write with Core statements;
- territory retire guards: the registry refuses retiring a node with active households;
- registry life events: posts end the posts of a resident who died or moved away;
- own-data sections: posts add a resident's posts to their own-data export;
- the policy's CONTACT households (access.providers): the households assigned to a party
  member (contacts.scope), carried by their principal (accounts.principal's party loader);
- registry life events: a party member who died or moved away is a member no more and their
  households are left to reassign; a death or a birth makes the household due a visit;
- resolved cases (cases.resolutions): a resolved dispute makes follow-up visits due;
- key groups entered (registry.events): a household entering a hardship group is due a visit.

:func:`install` runs whenever :func:`gridgov.database.sessions.session_factory` builds the
sessions of the API, the CLI, the worker, the tests and the benchmarks, so no code of the
platform touches the database without them. Installing twice installs once.
"""

from __future__ import annotations

from gridgov.access.providers import CONTACT, register_household_scope
from gridgov.accounts.principal import set_party_loader
from gridgov.audit.recorder import record_bulk
from gridgov.cases.resolutions import on_resolved
from gridgov.contacts.members import end_membership_of_leaver
from gridgov.contacts.moments import (
    moments_of_hardship,
    moments_of_life_event,
    moments_of_resolved_dispute,
)
from gridgov.contacts.scope import AssignedHouseholds, party_reach
from gridgov.posts.actions import end_posts_of_leaver
from gridgov.posts.queries import own_posts
from gridgov.registry import own_data
from gridgov.registry.events import subscribe, subscribe_key_groups_entered
from gridgov.registry.guards import refuse_retiring_with_active_households
from gridgov.territory.recording import set_bulk_recorder
from gridgov.territory.retire_guards import add_retire_guard


def install() -> None:
    set_bulk_recorder(record_bulk)
    add_retire_guard(refuse_retiring_with_active_households)
    subscribe("death", end_posts_of_leaver)
    subscribe("moved_out", end_posts_of_leaver)
    own_data.add_section("posts", own_posts)
    register_household_scope(CONTACT, AssignedHouseholds())
    set_party_loader(party_reach)
    subscribe("death", end_membership_of_leaver)
    subscribe("moved_out", end_membership_of_leaver)
    subscribe("death", moments_of_life_event)
    subscribe("birth", moments_of_life_event)
    on_resolved(moments_of_resolved_dispute)
    subscribe_key_groups_entered(moments_of_hardship)
