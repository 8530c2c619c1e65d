"""The bridges' API (administrators only) and the users' own delivery preferences."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.audit.models import AuditEntry
from gridgov.groups.models import Group
from gridgov.groups.queries import village_group
from gridgov.notify.bridges import enqueue_group_post
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.outcomes import MAX_ATTEMPTS, do_record_failure
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.models import OutboxMessage
from tests.factories.access import bearer, make_user
from tests.factories.territory import make_tree

API = "/api/v1"


def _dead_letter(session: Session, group_id: str) -> OutboxMessage:
    if not session.scalars(select(BridgeRoute).where(BridgeRoute.group_id == group_id)).all():
        check_add_route(
            session,
            kind="wecom",
            group_id=group_id,
            key="robot-key-0001",
            base_url="http://127.0.0.1:9",
            actor="test",
        )
    (row,) = enqueue_group_post(session, group_id=group_id, text="停电通知", priority="urgent")
    for _ in range(MAX_ATTEMPTS):
        do_record_failure([row], "ConnectionRefused", now=row.created_at)
    session.flush()
    return row


def _a_group(session: Session) -> str:
    """A real village group (a village comes with its groups)."""
    village = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1).villages[0]
    group = village_group(session, village.code)
    assert group is not None
    return group.id


def test_an_administrator_adds_and_lists_routes_without_ever_seeing_the_key(
    as_administrator: TestClient, session: Session
) -> None:
    group_id = _a_group(session)
    added = as_administrator.post(
        f"{API}/bridges",
        json={"group_id": group_id, "key": "robot-secret-0001", "name": "宫下村群"},
    )
    assert added.status_code == 201, added.text
    route = added.json()
    assert route["has_key"] is True and route["base_url"] == "https://qyapi.weixin.qq.com"
    listed = as_administrator.get(f"{API}/bridges", params={"group_id": group_id}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == route["id"]
    assert "robot-secret-0001" not in added.text + str(listed)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_id == route["id"]))
    assert entries.all() and all("robot-secret-0001" not in str(entry.changes) for entry in entries)
    off = as_administrator.patch(f"{API}/bridges/{route['id']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False


def test_bad_routes_are_refused_naming_the_fields(as_administrator: TestClient) -> None:
    refused = as_administrator.post(
        f"{API}/bridges", json={"group_id": "g 1", "key": "k", "base_url": "ftp://x"}
    )
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"group_id", "key", "base_url"}


def test_a_route_to_no_group_or_an_archived_one_is_refused_and_nothing_is_stored(
    as_administrator: TestClient, session: Session
) -> None:
    group_id = _a_group(session)
    session.get(Group, group_id).status = "archived"
    session.flush()
    for missing in ("no-such-group", group_id):
        refused = as_administrator.post(
            f"{API}/bridges", json={"group_id": missing, "key": "robot-secret-0001"}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["fields"] == {"group_id": "no active group has this id"}
    assert session.scalars(select(BridgeRoute)).all() == []


def test_dead_letters_are_listed_retried_and_discarded(
    as_administrator: TestClient, session: Session
) -> None:
    first, second = _dead_letter(session, "g-1"), _dead_letter(session, "g-1")
    listed = as_administrator.get(f"{API}/bridges/dead-letters").json()
    assert {item["id"] for item in listed["items"]} == {first.id, second.id}
    assert listed["items"][0]["last_error"] == "ConnectionRefused"

    retried = as_administrator.post(f"{API}/bridges/dead-letters/{first.id}/retry")
    assert retried.status_code == 200 and retried.json()["attempts"] == 0
    discarded = as_administrator.post(f"{API}/bridges/dead-letters/{second.id}/discard")
    assert discarded.status_code == 200
    session.expire_all()
    assert session.get(OutboxMessage, first.id).dead_at is None
    assert session.get(OutboxMessage, second.id).discarded_by is not None
    assert as_administrator.get(f"{API}/bridges/dead-letters").json()["total"] == 0
    again = as_administrator.post(f"{API}/bridges/dead-letters/{second.id}/retry")
    assert again.status_code == 404  # discarded: no longer a dead letter


def test_others_may_not_touch_bridges(client: TestClient, session: Session) -> None:
    town = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1).town
    leader = make_user(session, role="town_official", territory_code=town.code)
    headers = bearer(session, leader)
    for method, path in (
        ("GET", "/bridges"),
        ("POST", "/bridges"),
        ("GET", "/bridges/dead-letters"),
        ("POST", "/bridges/dead-letters/x/retry"),
    ):
        answer = client.request(
            method, f"{API}{path}", headers=headers, json={"group_id": "g", "key": "kkkkkkkk"}
        )
        assert answer.status_code == 403, (method, path, answer.text)


def test_a_user_sets_their_own_delivery_preferences(client: TestClient, session: Session) -> None:
    user = make_user(session)
    headers = bearer(session, user)
    start = client.get(f"{API}/users/me/preferences", headers=headers).json()
    assert start == {
        "email": None,
        "digest_rhythm": "off",
        "sms_enabled": True,
        "next_digest_at": None,
    }
    needs_address = client.patch(
        f"{API}/users/me/preferences", headers=headers, json={"digest_rhythm": "daily"}
    )
    assert needs_address.status_code == 422
    assert set(needs_address.json()["error"]["fields"]) == {"digest_rhythm"}
    bad = client.patch(
        f"{API}/users/me/preferences", headers=headers, json={"email": "wei@localhost"}
    )
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"email"}

    set_ = client.patch(
        f"{API}/users/me/preferences",
        headers=headers,
        json={"email": " Wei.Zhang@Example.org ", "digest_rhythm": "weekly", "sms_enabled": False},
    )
    assert set_.status_code == 200, set_.text
    body = set_.json()
    assert body["email"] == "Wei.Zhang@Example.org" and body["digest_rhythm"] == "weekly"
    assert body["sms_enabled"] is False and body["next_digest_at"].endswith("+08:00")
    # The address is personal: encrypted at rest, masked in the audit log.
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_id == user.id)).all()
    assert entries and all("Wei.Zhang@Example.org" not in str(e.changes) for e in entries)
    # Removing the address while a digest is on is refused, naming the address.
    removed = client.patch(f"{API}/users/me/preferences", headers=headers, json={"email": None})
    assert removed.status_code == 422 and set(removed.json()["error"]["fields"]) == {"email"}
