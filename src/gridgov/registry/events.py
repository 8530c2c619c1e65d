"""The registry's life events, published to the packages above it that react to them.

A death, a move out or in, a birth or a unit change is written as a RegistryEvent. Before
it is written, the registry calls every function subscribed to that kind, in the same
transaction (a subscriber that fails rolls the whole change back), and records what they
report in the event's details. Posts subscribe today (a resident who died or moved away
holds no post); groups, contacts and emergency will. Subscriptions are made in one place,
:mod:`gridgov.database.hooks`, whenever the platform's sessions are built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

# The RegistryEvent kinds published (other kinds, such as "updated", are bookkeeping).
LIFE_EVENTS = ("death", "moved_out", "moved_in", "birth", "unit_changed")


@dataclass(frozen=True)
class LifeEvent:
    """One life event; ``resident_id`` is None for a household's own (its move, its unit)."""

    kind: str
    occurred_on: dt.date
    household_id: str | None
    resident_id: str | None
    territory_code: str
    actor: str


# Returns details for the RegistryEvent (e.g. ``{"posts_ended": [...]}``), or nothing.
Subscriber = Callable[[Session, LifeEvent], Mapping[str, Any] | None]

_subscribers: dict[str, list[Subscriber]] = {kind: [] for kind in LIFE_EVENTS}


def subscribe(kind: str, subscriber: Subscriber) -> None:
    """Call ``subscriber`` on every ``kind`` event (subscribing twice subscribes once)."""
    if kind not in _subscribers:
        raise ValueError(f"not a life event: {kind}; one of {', '.join(LIFE_EVENTS)}")
    if subscriber not in _subscribers[kind]:
        _subscribers[kind].append(subscriber)


def subscribers(kind: str) -> tuple[Subscriber, ...]:
    return tuple(_subscribers.get(kind, ()))


def publish(session: Session, event: LifeEvent) -> dict[str, Any]:
    """Call the event's subscribers in order; the details they report, merged."""
    details: dict[str, Any] = {}
    for subscriber in _subscribers.get(event.kind, ()):
        details.update(subscriber(session, event) or {})
    return details


# --- key groups entered --------------------------------------------------------------------

# fn(session, *, resident_id, household_id, key_groups, actor): a present resident entered
# these key groups (an update of their tags; contacts: a hardship group makes a visit due).
KeyGroupSubscriber = Callable[..., None]
_key_group_subscribers: list[KeyGroupSubscriber] = []


def subscribe_key_groups_entered(subscriber: KeyGroupSubscriber) -> None:
    """Call ``subscriber`` whenever a resident's update adds key groups (once)."""
    if subscriber not in _key_group_subscribers:
        _key_group_subscribers.append(subscriber)


def publish_key_groups_entered(
    session: Session, *, resident_id: str, household_id: str, key_groups: list[str], actor: str
) -> None:
    for subscriber in tuple(_key_group_subscribers):
        subscriber(
            session,
            resident_id=resident_id,
            household_id=household_id,
            key_groups=key_groups,
            actor=actor,
        )


# --- households changed by set-based writes -------------------------------------------------

# fn(session, household_ids): rows these households derive from were written by a set-based
# statement the ORM does not see (moves, imported residents, a resident's key groups
# replaced); contacts refreshes their contact state.
HouseholdsSubscriber = Callable[[Session, list[str]], None]
_household_subscribers: list[HouseholdsSubscriber] = []


def subscribe_households_changed(subscriber: HouseholdsSubscriber) -> None:
    """Call ``subscriber`` after every set-based write of households' rows (once)."""
    if subscriber not in _household_subscribers:
        _household_subscribers.append(subscriber)


def publish_households_changed(session: Session, household_ids: Iterable[str]) -> None:
    ids = sorted(set(household_ids))
    if not ids:
        return
    for subscriber in tuple(_household_subscribers):
        subscriber(session, ids)
