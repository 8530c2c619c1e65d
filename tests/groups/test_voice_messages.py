"""Voice messages through the API: accepted kinds become ``voice`` messages with their
length; anything else is refused naming the field, nothing stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.groups.models import GroupAttachment, GroupMessage
from tests.factories.access import bearer
from tests.factories.groups import World, group_of, make_world
from tests.groups.test_voice import encode_tone


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session, villages=1)


def test_a_voice_message_is_posted_and_a_long_one_refused(
    client: TestClient, session: Session, world: World
) -> None:
    village = world.village(0)
    group = group_of(session, "village", village.code)
    unit = world.tree.units[world.tree.grids[village.code][0].code][0]
    villager = world.villagers[unit.code][0]
    posted = client.post(
        f"/api/v1/groups/{group.id}/voice",
        files={"file": ("voice.webm", encode_tone("webm", 2.0), "audio/webm")},
        headers=bearer(session, villager),
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["kind"] == "voice"
    attachment = session.get(GroupAttachment, posted.json()["image"])
    assert attachment is not None and attachment.content_type == "audio/webm"
    assert attachment.duration_seconds is not None and 1.8 <= attachment.duration_seconds <= 2.3
    before = session.scalar(select(func.count()).select_from(GroupMessage))
    long = client.post(
        f"/api/v1/groups/{group.id}/voice",
        files={"file": ("long.amr", encode_tone("amr", 61.0), "audio/amr")},
        headers=bearer(session, villager),
    )
    assert long.status_code == 422 and "60" in long.json()["error"]["fields"]["file"]
    assert session.scalar(select(func.count()).select_from(GroupMessage)) == before
