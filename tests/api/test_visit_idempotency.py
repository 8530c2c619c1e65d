"""POST /api/v1/visits with Idempotency-Key (as POST /cases): the same key from the same user
returns the first visit and stores nothing twice; racing requests make one visit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.contacts.models import Visit, VisitHousehold, VisitVersion
from gridgov.contacts.replay import check_record_visit_once
from gridgov.database.sessions import session_factory
from gridgov.errors import ValidationFailed
from gridgov.http.idempotency import idempotency_owner
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.access import bearer
from tests.factories.cases import principal_of

API = "/api/v1"


@pytest.fixture
def world(session):
    world = make_world(session)
    link(session, world, 1, 0)
    link(session, world, 2, 0)
    link(session, world, 6, 1)
    return world


def _post(client, headers, household_id, key=None, **extra):
    body = {"visited_on": clock.today().isoformat(), "method": "home_visit"}
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(
        f"{API}/visits", headers=headers, json=body | {"household_ids": [household_id]} | extra
    )


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_same_key_returns_the_first_visit_and_stores_nothing_twice(client, session, world):
    member = bearer(session, world.member_users[0])
    first = _post(client, member, world.households[1].id, key="draft-1", disputes=1)
    assert first.status_code == 201, first.text
    counts = (
        _count(session, Visit),
        _count(session, VisitHousehold),
        _count(session, VisitVersion),
    )
    again = _post(client, member, world.households[1].id, key="draft-1", disputes=1)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert (
        _count(session, Visit),
        _count(session, VisitHousehold),
        _count(session, VisitVersion),
    ) == counts
    # Another key, or none, is another visit.
    assert _post(client, member, world.households[1].id, key="draft-2").status_code == 201
    assert _post(client, member, world.households[1].id).status_code == 201
    assert _post(client, member, world.households[1].id).status_code == 201
    assert _count(session, Visit) == counts[0] + 3


def test_the_same_key_for_another_visit_is_refused_naming_it(client, session, world):
    member = bearer(session, world.member_users[0])
    assert _post(client, member, world.households[1].id, key="k").status_code == 201
    other = _post(client, member, world.households[2].id, key="k")
    assert other.status_code == 422
    assert "idempotency_key" in other.json()["error"]["fields"]
    assert _count(session, Visit) == 1


def test_keys_are_per_user(client, session, world):
    first = _post(client, bearer(session, world.member_users[0]), world.households[1].id, key="k")
    second = _post(client, bearer(session, world.member_users[1]), world.households[6].id, key="k")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_a_bad_key_is_refused_naming_the_header(client, session, world):
    member = bearer(session, world.member_users[0])
    too_long = _post(client, member, world.households[1].id, key="k" * 129)
    assert too_long.status_code == 422
    assert "Idempotency-Key" in too_long.text
    assert _count(session, Visit) == 0


def test_two_requests_with_one_key_at_once_make_one_visit(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: a race is PostgreSQL's case")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as session, session.begin():
        world = make_world(session)
        link(session, world, 1, 0)
        user_id = world.member_users[0].id
        household_id = world.households[1].id
    start = threading.Barrier(2)
    results: list[tuple[str, bool]] = []
    failures: list[BaseException] = []

    def post() -> None:
        try:
            with maker() as session, session.begin():
                principal: Principal = principal_of(
                    session, session.get(type(world.member_users[0]), user_id)
                )
                start.wait()
                visit, created = check_record_visit_once(
                    session,
                    owner=idempotency_owner(user_id),
                    key="race",
                    household_ids=[household_id],
                    principal=principal,
                    actor=ACTOR,
                    visited_on=clock.today(),
                    method="phone",
                )
                results.append((visit.id, created))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len({visit_id for visit_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    with maker() as session:
        assert _count(session, Visit) == 1


def test_a_replay_checks_the_visit_in_the_domain_too(session, world):
    principal = principal_of(session, world.member_users[0])
    owner = idempotency_owner(world.member_users[0].id)
    common = {"principal": principal, "actor": ACTOR, "visited_on": clock.today()}
    visit, created = check_record_visit_once(
        session,
        owner=owner,
        key="x",
        household_ids=[world.households[1].id],
        method="phone",
        **common,
    )
    assert created
    again, created = check_record_visit_once(
        session,
        owner=owner,
        key="x",
        household_ids=[world.households[1].id],
        method="phone",
        **common,
    )
    assert (again.id, created) == (visit.id, False)
    with pytest.raises(ValidationFailed) as refused:
        check_record_visit_once(
            session,
            owner=owner,
            key="x",
            household_ids=[world.households[1].id],
            method="home_visit",
            **common,
        )
    assert "idempotency_key" in (refused.value.fields or {})
