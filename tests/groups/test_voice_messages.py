"""Voice messages through the API: accepted kinds become ``voice`` messages with their
length; anything else is refused naming the field, nothing stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.groups.actions import check_recall_message
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


def test_a_voice_message_is_downloaded_by_its_group_only_and_not_once_recalled(
    client: TestClient, session: Session
) -> None:
    world = make_world(session, villages=2, grids=1, units=1)
    home, other = world.village(0), world.village(1)
    group = group_of(session, "village", home.code)
    unit = world.tree.units[world.tree.grids[home.code][0].code][0]
    speaker, listener = world.villagers[unit.code]
    outsider = world.villagers[world.tree.units[world.tree.grids[other.code][0].code][0].code][0]
    recording = encode_tone("ogg", 1.5)
    posted = client.post(
        f"/api/v1/groups/{group.id}/voice",
        files={"file": ("voice.ogg", recording, "audio/ogg")},
        headers=bearer(session, speaker),
    )
    assert posted.status_code == 201, posted.text
    url = f"/api/v1/messages/{posted.json()['id']}/attachment"
    heard = client.get(url, headers=bearer(session, listener))
    assert heard.status_code == 200, heard.text
    assert heard.headers["content-type"] == "audio/ogg" and heard.content == recording
    assert client.get(url, headers=bearer(session, outsider)).status_code == 404
    message = session.get(GroupMessage, posted.json()["id"])
    check_recall_message(session, message, actor="test")
    session.flush()
    assert client.get(url, headers=bearer(session, listener)).status_code == 404
