"""/api/v1/groups: list with unread and mention counts, history by seq, read pointers,
modes, moderation, rate limit, invitations; a member of one village gets 404 for another's."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from gridgov.server import create_app
from gridgov.settings import Settings
from tests.factories.access import bearer, make_user
from tests.factories.groups import World, group_of, make_world

API = "/api/v1"


@pytest.fixture
def world(session) -> World:
    made = make_world(session, villages=2, grids=1, units=1)
    session.commit()
    return made


def _headers(session, user) -> dict[str, str]:
    return bearer(session, user)


def _village_group(session, world: World, index: int = 0) -> str:
    return group_of(session, "village", world.village(index).code).id


def _first_unit(world: World, index: int = 0) -> str:
    return world.tree.units[world.tree.grids[world.village(index).code][0].code][0].code


def test_post_list_read_with_unread_and_mention_counts(client, session, world) -> None:
    unit = _first_unit(world)
    alice, bob = world.villagers[unit]
    alice_h, bob_h = _headers(session, alice), _headers(session, bob)
    group_id = _village_group(session, world)
    first = client.post(
        f"{API}/groups/{group_id}/messages", headers=alice_h, json={"text": "台风要来了"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["seq"] == 1 and first.json()["kind"] == "text"
    mention = client.post(
        f"{API}/groups/{group_id}/messages",
        headers=alice_h,
        json={"text": "请看", "mentions": [{"kind": "user", "target": bob.id}]},
    )
    assert mention.status_code == 201, mention.text
    unit_mention = client.post(
        f"{API}/groups/{group_id}/messages",
        headers=alice_h,
        json={"text": "本单元注意", "mentions": [{"kind": "unit", "target": unit}]},
    )
    assert unit_mention.json()["seq"] == 3

    listed = client.get(f"{API}/groups", headers=bob_h, params={"territory": world.village().code})
    assert listed.status_code == 200, listed.text
    village = next(item for item in listed.json()["items"] if item["kind"] == "village")
    assert (village["unread"], village["mentions"]) == (3, 2)
    # counts are per group: bob's unit group (opened now) has nothing unread
    leader = _headers(session, world.unit_leaders[unit])
    unit_group = client.post(f"{API}/groups", headers=leader, json={"territory_code": unit})
    assert unit_group.status_code == 201, unit_group.text
    client.post(
        f"{API}/groups/{unit_group.json()['id']}/messages", headers=leader, json={"text": "单元"}
    )
    by_kind = {
        item["kind"]: (item["unread"], item["mentions"])
        for item in client.get(f"{API}/groups", headers=bob_h).json()["items"]
    }
    assert by_kind == {"village": (3, 2), "unit": (1, 0)}
    # the author has nothing unread of their own
    mine = client.get(f"{API}/groups/{group_id}", headers=alice_h).json()
    assert (mine["unread"], mine["mentions"]) == (0, 0)

    read = client.post(
        f"{API}/groups/{group_id}/read", headers=bob_h, json={"up_to": mention.json()["id"]}
    )
    assert read.status_code == 200 and read.json()["read_seq"] == 2
    after = client.get(f"{API}/groups/{group_id}", headers=bob_h).json()
    assert (after["unread"], after["mentions"]) == (1, 1)
    # the pointer never moves back
    client.post(f"{API}/groups/{group_id}/read", headers=bob_h, json={"up_to": first.json()["id"]})
    assert client.get(f"{API}/groups/{group_id}", headers=bob_h).json()["read_seq"] == 2


def test_history_is_paginated_by_seq(client, session, world) -> None:
    alice = world.villagers[_first_unit(world)][0]
    headers = _headers(session, alice)
    group_id = _village_group(session, world)
    for number in range(1, 8):
        client.post(
            f"{API}/groups/{group_id}/messages", headers=headers, json={"text": f"m{number}"}
        )
    latest = client.get(f"{API}/groups/{group_id}/messages", headers=headers, params={"limit": 3})
    assert [m["seq"] for m in latest.json()["items"]] == [5, 6, 7]
    assert latest.json()["total"] == 7
    older = client.get(
        f"{API}/groups/{group_id}/messages", headers=headers, params={"limit": 3, "before": 5}
    )
    assert [m["text"] for m in older.json()["items"]] == ["m2", "m3", "m4"]
    newer = client.get(
        f"{API}/groups/{group_id}/messages", headers=headers, params={"limit": 2, "after": 5}
    )
    assert [m["seq"] for m in newer.json()["items"]] == [6, 7]


def test_text_limit_location_reply_and_everyone(client, session, world) -> None:
    unit = _first_unit(world)
    villager = world.villagers[unit][0]
    headers = _headers(session, villager)
    group_id = _village_group(session, world)
    too_long = client.post(
        f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "长" * 4001}
    )
    assert too_long.status_code == 422
    assert "4000" in too_long.json()["error"]["fields"]["text"]
    exact = client.post(
        f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "长" * 4000}
    )
    assert exact.status_code == 201
    place = client.post(
        f"{API}/groups/{group_id}/messages",
        headers=headers,
        json={
            "location": {"lon": 119.1, "lat": 25.0, "note": "桥边积水"},
            "reply_to": exact.json()["id"],
        },
    )
    assert place.status_code == 201, place.text
    body = place.json()
    assert (body["kind"], body["lon"], body["text"], body["reply_to"]) == (
        "location",
        119.1,
        "桥边积水",
        exact.json()["id"],
    )
    everyone = {"text": "全体注意", "mentions": [{"kind": "all"}]}
    refused = client.post(f"{API}/groups/{group_id}/messages", headers=headers, json=everyone)
    assert refused.status_code == 403
    leader = world.unit_leaders[unit]
    # a unit leader does not moderate the village's group; the village secretary does
    secretary = make_user(session, role="village_secretary", territory_code=world.village().code)
    session.commit()
    assert (
        client.post(
            f"{API}/groups/{group_id}/messages", headers=_headers(session, leader), json=everyone
        ).status_code
        == 403
    )
    sent = client.post(
        f"{API}/groups/{group_id}/messages", headers=_headers(session, secretary), json=everyone
    )
    assert sent.status_code == 201, sent.text
    counts = client.get(f"{API}/groups/{group_id}", headers=headers).json()
    assert counts["mentions"] == 1


def test_recall_is_hidden_from_members_and_kept_for_moderators(client, session, world) -> None:
    villager = world.villagers[_first_unit(world)][0]
    headers = _headers(session, villager)
    secretary = make_user(session, role="village_secretary", territory_code=world.village().code)
    session.commit()
    boss = _headers(session, secretary)
    group_id = _village_group(session, world)
    posted = client.post(
        f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "错话"}
    ).json()
    assert client.post(f"{API}/messages/{posted['id']}/recall", headers=headers).status_code == 403
    recalled = client.post(f"{API}/messages/{posted['id']}/recall", headers=boss)
    assert recalled.status_code == 200 and recalled.json()["recalled"] is True
    seen = client.get(f"{API}/groups/{group_id}/messages", headers=headers).json()
    assert seen["items"] == [] and seen["total"] == 0
    audit = client.get(f"{API}/groups/{group_id}/messages", headers=boss, params={"recalled": True})
    assert [m["id"] for m in audit.json()["items"]] == [posted["id"]]
    assert audit.json()["items"][0]["recalled_by"] == f"user:{secretary.username}"
    # a member asking for recalled ones still sees none
    assert (
        client.get(
            f"{API}/groups/{group_id}/messages", headers=headers, params={"recalled": True}
        ).json()["items"]
        == []
    )
    pinned = client.post(f"{API}/messages/{posted['id']}/pin", headers=boss, json={"pinned": True})
    assert pinned.status_code == 409


def test_mute_and_announcements_mode(client, session, world) -> None:
    unit = _first_unit(world)
    villager = world.villagers[unit][0]
    headers = _headers(session, villager)
    secretary = make_user(session, role="village_secretary", territory_code=world.village().code)
    session.commit()
    boss = _headers(session, secretary)
    group_id = _village_group(session, world)
    muted = client.post(
        f"{API}/groups/{group_id}/members/{villager.id}/mute", headers=boss, json={"minutes": 60}
    )
    assert muted.status_code == 200, muted.text
    refused = client.post(f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "hi"})
    assert refused.status_code == 403 and "muted" in refused.json()["error"]["message"]
    client.post(
        f"{API}/groups/{group_id}/members/{villager.id}/mute", headers=boss, json={"minutes": 0}
    )
    mode = client.patch(f"{API}/groups/{group_id}", headers=boss, json={"mode": "announcements"})
    assert mode.status_code == 200 and mode.json()["mode"] == "announcements"
    top = client.post(f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "hi"})
    assert top.status_code == 403
    notice = client.post(f"{API}/groups/{group_id}/messages", headers=boss, json={"text": "通知"})
    assert notice.status_code == 201
    reply = client.post(
        f"{API}/groups/{group_id}/messages",
        headers=headers,
        json={"text": "收到", "reply_to": notice.json()["id"]},
    )
    assert reply.status_code == 201, reply.text
    assert (
        client.patch(f"{API}/groups/{group_id}", headers=headers, json={"mode": "open"}).status_code
        == 403
    )


def test_remove_is_not_undone_by_the_registry(client, session, world) -> None:
    villager = world.villagers[_first_unit(world)][0]
    secretary = make_user(session, role="village_secretary", territory_code=world.village().code)
    session.commit()
    group_id = _village_group(session, world)
    removed = client.post(
        f"{API}/groups/{group_id}/members/{villager.id}/remove",
        headers=_headers(session, secretary),
        json={"reason": "广告"},
    )
    assert removed.status_code == 200, removed.text
    assert (
        client.get(f"{API}/groups/{group_id}", headers=_headers(session, villager)).status_code
        == 404
    )
    from gridgov.groups.membership import resync_group
    from gridgov.groups.models import Group

    resync_group(session, session.get(Group, group_id), reason="test")
    session.commit()
    assert (
        client.get(f"{API}/groups/{group_id}", headers=_headers(session, villager)).status_code
        == 404
    )


def test_rate_limit_answers_429(session, world, session_maker, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, environment="test", group_messages_per_minute=3)
    app = create_app(settings=settings, session_maker=session_maker)
    villager = world.villagers[_first_unit(world)][0]
    headers = _headers(session, villager)
    session.commit()
    group_id = _village_group(session, world)
    with TestClient(app) as client:
        for number in range(3):
            sent = client.post(
                f"{API}/groups/{group_id}/messages", headers=headers, json={"text": f"{number}"}
            )
            assert sent.status_code == 201
        refused = client.post(
            f"{API}/groups/{group_id}/messages", headers=headers, json={"text": "x"}
        )
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_messages"
    assert "3" in refused.json()["error"]["message"]


def test_another_villages_group_is_404(client, session, world) -> None:
    villager = world.villagers[_first_unit(world)][0]
    headers = _headers(session, villager)
    other = _village_group(session, world, 1)
    assert client.get(f"{API}/groups/{other}", headers=headers).status_code == 404
    assert client.get(f"{API}/groups/{other}/messages", headers=headers).status_code == 404
    posted = client.post(f"{API}/groups/{other}/messages", headers=headers, json={"text": "x"})
    assert posted.status_code == 404
    listed = client.get(f"{API}/groups", headers=headers).json()
    assert other not in {item["id"] for item in listed["items"]}
    assert {item["kind"] for item in listed["items"]} == {"village"}
    out = client.get(f"{API}/groups", headers=headers, params={"territory": world.village(1).code})
    assert out.status_code == 404


def test_images_are_checked_and_counted(client, session, world) -> None:
    villager = world.villagers[_first_unit(world)][0]
    headers = _headers(session, villager)
    group_id = _village_group(session, world)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    up = client.post(
        f"{API}/groups/{group_id}/images",
        headers=headers,
        files={"file": ("a.png", buffer.getvalue(), "image/png")},
    )
    assert up.status_code == 201, up.text
    bad = client.post(
        f"{API}/groups/{group_id}/images",
        headers=headers,
        files={"file": ("a.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 422 and "file" in bad.json()["error"]["fields"]
    image = client.get(f"{API}/groups/{group_id}/images/{up.json()['id']}", headers=headers)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == buffer.getvalue()
    other_group = _village_group(session, world, 1)
    elsewhere = client.get(f"{API}/groups/{other_group}/images/{up.json()['id']}", headers=headers)
    assert elsewhere.status_code == 404
    posted = client.post(
        f"{API}/groups/{group_id}/messages", headers=headers, json={"image": up.json()["id"]}
    )
    assert posted.status_code == 201 and posted.json()["kind"] == "image"
    again = client.post(
        f"{API}/groups/{group_id}/messages", headers=headers, json={"image": up.json()["id"]}
    )
    assert again.status_code == 422


def test_invitation_code_approved_by_a_leader(client, session, world) -> None:
    outsider = make_user(session)  # not in the registry
    secretary = make_user(session, role="village_secretary", territory_code=world.village().code)
    session.commit()
    boss, guest = _headers(session, secretary), _headers(session, outsider)
    group_id = _village_group(session, world)
    invitation = client.post(f"{API}/groups/{group_id}/invitations", headers=boss)
    assert invitation.status_code == 201, invitation.text
    asked = client.post(
        f"{API}/invitations/redeem", headers=guest, json={"code": invitation.json()["code"]}
    )
    assert asked.status_code == 200 and asked.json()["status"] == "requested"
    assert client.get(f"{API}/groups/{group_id}", headers=guest).status_code == 404
    decided = client.post(
        f"{API}/invitations/{invitation.json()['id']}/decision",
        headers=boss,
        json={"approve": True},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert client.get(f"{API}/groups/{group_id}", headers=guest).json()["is_member"] is True
    sent = client.post(f"{API}/groups/{group_id}/messages", headers=guest, json={"text": "你好"})
    assert sent.status_code == 201
    listed = client.get(f"{API}/groups", headers=guest, params={"territory": world.village().code})
    assert listed.status_code == 200 and listed.json()["total"] == 1


def test_a_leader_opens_a_unit_group(client, session, world) -> None:
    unit = _first_unit(world)
    leader = world.unit_leaders[unit]
    headers = _headers(session, leader)
    opened = client.post(f"{API}/groups", headers=headers, json={"territory_code": unit})
    assert opened.status_code == 201, opened.text
    assert opened.json()["kind"] == "unit" and opened.json()["is_member"] is True
    twice = client.post(f"{API}/groups", headers=headers, json={"territory_code": unit})
    assert twice.status_code == 409
    elsewhere = _first_unit(world, 1)
    assert (
        client.post(
            f"{API}/groups", headers=headers, json={"territory_code": elsewhere}
        ).status_code
        == 404
    )
    villager = world.villagers[unit][0]
    assert (
        client.post(
            f"{API}/groups", headers=_headers(session, villager), json={"territory_code": unit}
        ).status_code
        == 403
    )
