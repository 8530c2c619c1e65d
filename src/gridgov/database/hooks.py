"""Where a lower layer learns of the higher ones that react to it: every hook, subscription
and provider of the platform, installed in one place.

- territory batches: the audit log records the rows they write with Core statements;
- territory retire guards: the registry refuses retiring a node with active households;
- registry life events: posts end the posts of a resident who died or moved away;
- own-data sections: posts add a resident's posts to their own-data export;
- groups: every message with text is indexed for search as it is flushed; a case made from
  a message posts its status changes back into the group (cases.status_hooks);
- the policy's CONTACT households (access.providers): until the contacts issue registers
  the households a party member looks after, a party member's contact household is their own;
- grid groups: a new village gets its groups (territory creation hook); members follow the
  registry's life events, the posts' start and end (and role assignments: posts.events) and
  accounts linked to a resident (accounts.events); the policy's MEMBER rule asks the groups'
  membership; a member's messages join their own-data export; the events socket's streams
  include the caller's groups (``group:<id>``).

:func:`install` runs whenever :func:`gridgov.database.sessions.session_factory` builds the
sessions of the API, the CLI, the worker, the tests and the benchmarks, so no code of the
platform touches the database without them. Installing twice installs once.
"""

from __future__ import annotations

from gridgov.access.providers import (
    CONTACT,
    OwnHousehold,
    register_household_scope,
    register_member_scope,
)
from gridgov.accounts.events import subscribe_accounts
from gridgov.audit.recorder import record_bulk
from gridgov.cases.status_hooks import subscribe_status
from gridgov.groups import membership as group_membership
from gridgov.groups.actions import create_village_groups
from gridgov.groups.events import group_streams
from gridgov.groups.queries import GroupMembers, own_messages
from gridgov.groups.search import install_search_index
from gridgov.groups.to_case import post_case_status
from gridgov.notify.realtime.streams import register_streams
from gridgov.posts.actions import end_posts_of_leaver
from gridgov.posts.events import subscribe_posts
from gridgov.posts.queries import own_posts
from gridgov.registry import own_data
from gridgov.registry.events import LIFE_EVENTS, subscribe
from gridgov.registry.guards import refuse_retiring_with_active_households
from gridgov.territory.creation_hooks import add_creation_hook
from gridgov.territory.recording import set_bulk_recorder
from gridgov.territory.retire_guards import add_retire_guard


def install() -> None:
    set_bulk_recorder(record_bulk)
    add_retire_guard(refuse_retiring_with_active_households)
    subscribe("death", end_posts_of_leaver)
    subscribe("moved_out", end_posts_of_leaver)
    own_data.add_section("posts", own_posts)
    register_household_scope(CONTACT, OwnHousehold())
    _install_groups()


def _install_groups() -> None:
    add_creation_hook(create_village_groups)
    for kind in LIFE_EVENTS:  # after posts: a leaver's posts end first
        subscribe(kind, group_membership.follow_life_event)
    subscribe_posts(group_membership.follow_post_event)
    subscribe_accounts(group_membership.follow_account_linked)
    register_member_scope(GroupMembers())
    own_data.add_section("group_messages", own_messages)
    install_search_index()
    subscribe_status(post_case_status)
    register_streams(group_streams)
