"""Where a lower layer learns of the higher ones that react to it: every hook, subscription
and provider of the platform, installed in one place.

- territory batches: the audit log records the rows they write with Core statements;
- territory retire guards: the registry refuses retiring a node with active households;
- registry life events: posts end the posts of a resident who died or moved away;
- own-data sections: posts add a resident's posts to their own-data export;
- groups: every message with text is indexed for search as it is flushed; a case made from
  a message posts its status changes back into the group (cases.status_hooks);
- grid groups: a new village gets its groups (territory creation hook); the groups of a
  retired node are archived, re-opened if it is re-activated (territory status hook);
  members follow the registry's life events, the posts' start and end (and role
  assignments: posts.events) and accounts linked to a resident (accounts.events); the
  policy's MEMBER rule asks the groups' membership; a member's messages join their
  own-data export; the events socket's streams include the caller's groups (``group:<id>``).
- the policy's CONTACT households (access.providers): the households assigned to a party
  member (contacts.scope), carried by their principal (accounts.principal's party loader);
- grid groups: a village's party members belong in its leaders' group (groups.membership);
- registry life events: a party member who died or moved away is a member no more and their
  households are left to reassign; a death or a birth makes the household due a visit;
- resolved cases (cases.resolutions): a resolved dispute makes follow-up visits due;
- key groups entered (registry.events): a household entering a hardship group is due a visit.
- the contact state (contacts.state): a session listener refreshes the state of households
  whose rows a flush wrote; the registry's set-based writes call its households-changed hook.
- realtime streams: a socket receives the roll-calls its caller may see (emergency.live).

:func:`install` runs whenever :func:`gridgov.database.sessions.session_factory` builds the
sessions of the API, the CLI, the worker, the tests and the benchmarks, so no code of the
platform touches the database without them. Installing twice installs once.
"""

from __future__ import annotations

from gridgov.access.providers import CONTACT, register_household_scope, register_member_scope
from gridgov.accounts.events import subscribe_accounts
from gridgov.accounts.principal import set_party_loader
from gridgov.audit.recorder import record_bulk
from gridgov.cases.resolutions import on_resolved
from gridgov.cases.status_hooks import subscribe_status
from gridgov.contacts import state as contact_state
from gridgov.contacts.members import end_membership_of_leaver, party_member_users
from gridgov.contacts.moments import (
    moments_of_hardship,
    moments_of_life_event,
    moments_of_resolved_dispute,
)
from gridgov.contacts.scope import AssignedHouseholds, party_reach
from gridgov.emergency.live import roll_call_streams
from gridgov.groups import membership as group_membership
from gridgov.groups.actions import create_village_groups, follow_node_status
from gridgov.groups.events import group_streams
from gridgov.groups.membership import add_leaders_group_source
from gridgov.groups.queries import GroupMembers, own_messages
from gridgov.groups.search import install_search_index
from gridgov.groups.to_case import post_case_status
from gridgov.notify.realtime.streams import register_streams
from gridgov.posts.actions import end_posts_of_leaver
from gridgov.posts.events import subscribe_posts
from gridgov.posts.queries import own_posts
from gridgov.registry import own_data
from gridgov.registry.events import (
    LIFE_EVENTS,
    subscribe,
    subscribe_households_changed,
    subscribe_key_groups_entered,
)
from gridgov.registry.guards import refuse_retiring_with_active_households
from gridgov.territory.creation_hooks import add_creation_hook, add_status_hook
from gridgov.territory.recording import set_bulk_recorder
from gridgov.territory.retire_guards import add_retire_guard


def install() -> None:
    set_bulk_recorder(record_bulk)
    add_retire_guard(refuse_retiring_with_active_households)
    subscribe("death", end_posts_of_leaver)
    subscribe("moved_out", end_posts_of_leaver)
    own_data.add_section("posts", own_posts)
    _install_groups()
    _install_contacts()


def _install_groups() -> None:
    add_creation_hook(create_village_groups)
    add_status_hook(follow_node_status)
    for kind in LIFE_EVENTS:  # after posts: a leaver's posts end first
        subscribe(kind, group_membership.follow_life_event)
    subscribe_posts(group_membership.follow_post_event)
    subscribe_accounts(group_membership.follow_account_linked)
    register_member_scope(GroupMembers())
    own_data.add_section("group_messages", own_messages)
    install_search_index()
    subscribe_status(post_case_status)
    register_streams(group_streams)


def _install_contacts() -> None:
    register_household_scope(CONTACT, AssignedHouseholds())
    set_party_loader(party_reach)
    add_leaders_group_source(party_member_users)
    subscribe("death", end_membership_of_leaver)
    subscribe("moved_out", end_membership_of_leaver)
    subscribe("death", moments_of_life_event)
    subscribe("birth", moments_of_life_event)
    on_resolved(moments_of_resolved_dispute)
    subscribe_key_groups_entered(moments_of_hardship)
    contact_state.install()
    subscribe_households_changed(contact_state.refresh_changed_households)
    register_streams(roll_call_streams)
