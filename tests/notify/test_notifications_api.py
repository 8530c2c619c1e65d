"""/api/v1/notifications: one's own inbox, nobody else's."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.jobs.delivery import deliver_outbox_step
from gridgov.notify.outbox import enqueue
from tests.factories.access import bearer, make_user


def _inboxes(session: Session):
    alice, bob = make_user(session), make_user(session)
    enqueue(session, "case_assigned", [alice.id, bob.id], {"case_id": "c1", "title": "first"})
    enqueue(session, "case_due_soon", [alice.id], {"case_id": "c1", "title": "second"})
    enqueue(session, "case_resolved", [bob.id], {"title": "bob only", "body": "rate it"})
    deliver_outbox_step(session)
    session.commit()
    return alice, bob


def test_the_list_is_the_callers_own_newest_first(client: TestClient, session: Session) -> None:
    alice, bob = _inboxes(session)
    answer = client.get("/api/v1/notifications", headers=bearer(session, alice))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    assert {item["title"] for item in body["items"]} == {"first", "second"}
    item = body["items"][0]
    assert item["created_at"].endswith("+08:00")
    assert item["read"] is False and item["read_at"] is None
    bobs = client.get("/api/v1/notifications", headers=bearer(session, bob)).json()
    assert {item["title"] for item in bobs["items"]} == {"first", "bob only"}


def test_mark_one_read_and_filter_unread(client: TestClient, session: Session) -> None:
    alice, _bob = _inboxes(session)
    headers = bearer(session, alice)
    items = client.get("/api/v1/notifications", headers=headers).json()["items"]
    first = next(item for item in items if item["title"] == "first")
    read = client.post(f"/api/v1/notifications/{first['id']}/read", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["read"] is True and read.json()["read_at"].endswith("+08:00")
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [item["title"] for item in unread["items"]] == ["second"]
    done = client.get("/api/v1/notifications?unread=false", headers=headers).json()
    assert [item["title"] for item in done["items"]] == ["first"]
    # Reading again keeps the first read time.
    again = client.post(f"/api/v1/notifications/{first['id']}/read", headers=headers)
    assert again.json()["read_at"] == read.json()["read_at"]


def test_another_users_notification_is_not_found(client: TestClient, session: Session) -> None:
    alice, bob = _inboxes(session)
    bobs = client.get("/api/v1/notifications", headers=bearer(session, bob)).json()["items"]
    only_bobs = next(item for item in bobs if item["title"] == "bob only")
    answer = client.post(
        f"/api/v1/notifications/{only_bobs['id']}/read", headers=bearer(session, alice)
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    missing = client.post("/api/v1/notifications/nope/read", headers=bearer(session, alice))
    assert missing.status_code == 404
    still = client.get("/api/v1/notifications?unread=true", headers=bearer(session, bob)).json()
    assert still["total"] == 2


def test_read_all_marks_only_the_callers(client: TestClient, session: Session) -> None:
    alice, bob = _inboxes(session)
    answer = client.post("/api/v1/notifications/read-all", headers=bearer(session, alice))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"marked": 2, "unread": 0}
    unread_alice = client.get("/api/v1/notifications?unread=true", headers=bearer(session, alice))
    assert unread_alice.json()["total"] == 0
    unread_bob = client.get("/api/v1/notifications?unread=true", headers=bearer(session, bob))
    assert unread_bob.json()["total"] == 2


def test_paging_and_authentication(client: TestClient, session: Session) -> None:
    alice, _bob = _inboxes(session)
    page = client.get(
        "/api/v1/notifications?limit=1&offset=1", headers=bearer(session, alice)
    ).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (2, 1, 1, 1)
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read-all").status_code == 401
