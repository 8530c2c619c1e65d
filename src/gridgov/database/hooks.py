"""Where a lower layer learns of the higher ones that react to it: every hook, subscription
and provider of the platform, installed in one place.

- territory batches: the audit log records the rows they write with Core statements;
- territory retire guards: the registry refuses retiring a node with active households;
- registry life events: posts end the posts of a resident who died or moved away;
- own-data sections: posts add a resident's posts to their own-data export;
- the policy's CONTACT households (access.providers): until the contacts issue registers
  the households a party member looks after, a party member's contact household is their own;
- realtime streams: a socket receives the roll-calls its caller may see (emergency.live).

:func:`install` runs whenever :func:`gridgov.database.sessions.session_factory` builds the
sessions of the API, the CLI, the worker, the tests and the benchmarks, so no code of the
platform touches the database without them. Installing twice installs once.
"""

from __future__ import annotations

from gridgov.access.providers import CONTACT, OwnHousehold, register_household_scope
from gridgov.audit.recorder import record_bulk
from gridgov.emergency.live import roll_call_streams
from gridgov.notify.realtime import register_streams
from gridgov.posts.actions import end_posts_of_leaver
from gridgov.posts.queries import own_posts
from gridgov.registry import own_data
from gridgov.registry.events import subscribe
from gridgov.registry.guards import refuse_retiring_with_active_households
from gridgov.territory.recording import set_bulk_recorder
from gridgov.territory.retire_guards import add_retire_guard


def install() -> None:
    set_bulk_recorder(record_bulk)
    add_retire_guard(refuse_retiring_with_active_households)
    subscribe("death", end_posts_of_leaver)
    subscribe("moved_out", end_posts_of_leaver)
    own_data.add_section("posts", own_posts)
    register_household_scope(CONTACT, OwnHousehold())
    register_streams(roll_call_streams)
