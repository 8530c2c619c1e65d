"""Life events reach the packages above the registry that subscribed to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.posts.actions import end_posts_of_leaver
from gridgov.registry import events
from gridgov.registry.life_events import check_record_birth
from gridgov.registry.models import RegistryEvent
from tests.factories.registry import ACTOR, make_household
from tests.factories.territory import make_tree


def test_posts_subscribe_to_deaths_and_move_outs_with_the_sessions(session) -> None:
    assert end_posts_of_leaver in events.subscribers("death")
    assert end_posts_of_leaver in events.subscribers("moved_out")
    assert end_posts_of_leaver not in events.subscribers("birth")


def test_an_unknown_kind_cannot_be_subscribed_to() -> None:
    with pytest.raises(ValueError, match="not a life event"):
        events.subscribe("updated", lambda _session, _event: None)


def test_a_subscriber_hears_the_event_in_the_same_transaction_and_its_details_are_kept(
    session, monkeypatch
) -> None:
    heard: list[events.LifeEvent] = []

    def on_birth(subscribed: Session, event: events.LifeEvent) -> dict[str, Any]:
        assert subscribed is session
        heard.append(event)
        return {"welcomed_by": "test"}

    monkeypatch.setitem(events._subscribers, "birth", [])
    events.subscribe("birth", on_birth)
    events.subscribe("birth", on_birth)  # once is enough
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    born = dt.date(2026, 11, 1)
    child = check_record_birth(
        session, household, name="林小满", sex="female", birth_date=born, actor=ACTOR
    )
    assert heard == [
        events.LifeEvent(
            kind="birth",
            occurred_on=born,
            household_id=household.id,
            resident_id=child.id,
            territory_code=household.territory_code,
            actor=ACTOR,
        )
    ]
    event = session.scalars(
        select(RegistryEvent).where(RegistryEvent.resident_id == child.id)
    ).one()
    assert event.kind == "birth" and event.details["welcomed_by"] == "test"
