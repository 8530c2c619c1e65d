"""POST /api/v1/cases/{id}/transitions and GET /api/v1/cases/{id}/actions over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.cases.models import Case
from tests.cases.case_world import MONDAY_9AM, World, events, make_world, report
from tests.factories.access import bearer

API = "/api/v1"


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(MONDAY_9AM):
        yield


@pytest.fixture
def world(session: Session, frozen: None) -> World:
    return make_world(session)


@pytest.fixture
def case(session: Session, world: World) -> Case:
    return report(session, world)


def post(
    client: TestClient, session: Session, user: User, case_id: str, **body: object
) -> tuple[int, dict]:
    response = client.post(
        f"{API}/cases/{case_id}/transitions", headers=bearer(session, user), json=body
    )
    return response.status_code, response.json()


def test_a_case_goes_from_report_to_reopened_over_http(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    leader = bearer(session, world.unit_leader)
    offered = client.get(f"{API}/cases/{case.id}/actions", headers=leader)
    assert offered.status_code == 200
    assert offered.json() == {
        "case_id": case.id,
        "state": "reported",
        "level": "unit",
        "version": case.version,
        "actions": [
            "accept",
            "start",
            "return",
            "escalate",
            "reject_duplicate",
            "reject_out_of_scope",
        ],
    }
    version = offered.json()["version"]
    status, body = post(
        client, session, world.unit_leader, case.id, action="accept", version=version
    )
    assert status == 200
    assert (body["state"], body["level"], body["version"]) == ("accepted", "unit", version + 1)
    assert body["due_at"].endswith("+08:00")

    status, body = post(
        client,
        session,
        world.unit_leader,
        case.id,
        action="resolve",
        note="已劝停",
        version=version + 1,
    )
    assert (status, body["state"], body["resolution_note"]) == (200, "resolved", "已劝停")
    assert body["feedback_due_at"] is not None

    reporter = bearer(session, world.reporter)
    assert client.get(f"{API}/cases/{case.id}/actions", headers=reporter).json()["actions"] == [
        "rate"
    ]
    status, body = post(
        client, session, world.reporter, case.id, action="rate", rating=1, comment="没用"
    )
    assert (status, body["state"], body["reopens"], body["rating"]) == (200, "in_progress", 1, 1)
    assert body["rating_comment"] == "没用"

    detail = client.get(f"{API}/cases/{case.id}", headers=leader).json()
    assert [step["action"] for step in detail["timeline"]] == [
        "report",
        "accept",
        "resolve",
        "rate",
    ]
    assert detail["timeline"][-1]["actor"] == f"user:{world.reporter.username}"


def test_a_stale_version_answers_409_and_changes_nothing(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    seen = case.version
    assert (
        post(client, session, world.unit_leader, case.id, action="accept", version=seen)[0] == 200
    )
    status, body = post(client, session, world.unit_leader, case.id, action="start", version=seen)
    assert status == 409
    assert body["error"]["code"] == "conflict"
    assert body["error"]["fields"] == {"version": "stale"}
    session.refresh(case)
    assert case.state == "accepted"
    assert len(events(session, case)) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "resolve"}, "note"),
        ({"action": "teleport"}, "action"),
        ({"action": "accept", "colour": "red"}, "colour"),
        ({"action": "rate", "rating": "five"}, "rating"),
        ({}, "action"),
    ],
)
def test_bad_bodies_answer_422_naming_the_field(
    client: TestClient, session: Session, world: World, case: Case, body: dict, field: str
) -> None:
    status, answer = post(client, session, world.unit_leader, case.id, **body)
    assert status == 422
    assert field in answer["error"]["fields"]


def test_a_state_that_does_not_allow_it_is_422_on_action(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    status, body = post(client, session, world.unit_leader, case.id, action="resolve", note="x")
    assert status == 422
    assert "not allowed in state reported" in body["error"]["fields"]["action"]


def test_who_may_never_take_the_action_gets_403(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    status, body = post(client, session, world.reporter, case.id, action="accept")
    assert (status, body["error"]["code"]) == (403, "permission_denied")
    assert post(client, session, world.unit_leader, case.id, action="withdraw")[0] == 403
    assert post(client, session, world.administrator, case.id, action="auto_escalate")[0] == 403
    session.refresh(case)
    assert case.state == "reported"


def test_a_case_out_of_reach_answers_like_a_missing_one(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    for user in (world.other_unit_leader, world.other_reporter):
        status, body = post(client, session, user, case.id, action="accept")
        assert (status, body["error"]["message"]) == (404, f"no case has id {case.id}")
        listed = client.get(f"{API}/cases/{case.id}/actions", headers=bearer(session, user))
        assert listed.status_code == 404
    status, body = post(client, session, world.unit_leader, "nope", action="accept")
    assert (status, body["error"]["message"]) == (404, "no case has id nope")
    session.refresh(case)
    assert (case.state, len(events(session, case))) == ("reported", 1)


def test_without_a_token_401(client: TestClient, case: Case) -> None:
    response = client.post(f"{API}/cases/{case.id}/transitions", json={"action": "accept"})
    assert response.status_code == 401
    assert client.get(f"{API}/cases/{case.id}/actions").status_code == 401


def test_merging_a_duplicate_over_http(
    client: TestClient, session: Session, world: World, case: Case
) -> None:
    other = report(
        session,
        world,
        reporter=world.other_reporter,
        household=world.other_household,
        description="隔壁也听到",
    )
    status, body = post(
        client, session, world.grid_leader, other.id, action="reject_duplicate", duplicate_of="nope"
    )
    assert (status, list(body["error"]["fields"])) == (422, ["duplicate_of"])
    status, body = post(
        client,
        session,
        world.grid_leader,
        other.id,
        action="reject_duplicate",
        duplicate_of=case.id,
    )
    assert (status, body["state"], body["duplicate_of"]) == (200, "rejected", case.id)
    # the merged reporter now reads the case it was merged into
    followed = client.get(
        f"{API}/cases/{case.id}/actions", headers=bearer(session, world.other_reporter)
    )
    assert followed.status_code == 200
    assert followed.json()["actions"] == []  # withdrawing is the own reporter's alone
    status, body = post(client, session, world.other_reporter, case.id, action="withdraw")
    assert (status, body["error"]["message"]) == (403, "only the reporter may withdraw a case")
