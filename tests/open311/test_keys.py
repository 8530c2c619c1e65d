from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.cases.models import Case
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.open311.keys import (
    MAX_NAME_LENGTH,
    check_create_key,
    check_revoke_key,
    find_active_key,
    list_keys,
)
from gridgov.open311.models import Open311ApiKey
from tests.open311.georeport import post

ACTOR = "test:open311"


def test_a_key_is_stored_only_as_its_hash_and_found_by_it(session) -> None:
    row, key = check_create_key(session, name="fixmystreet", actor=ACTOR)
    assert len(key) >= 40
    stored = session.scalar(select(Open311ApiKey).where(Open311ApiKey.id == row.id))
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.name, stored.id}
    assert find_active_key(session, key).id == row.id
    assert find_active_key(session, key + "x") is None
    assert find_active_key(session, "") is None
    assert stored.created_by == ACTOR


def test_two_keys_differ_and_names_are_unique(session) -> None:
    _first, first_key = check_create_key(session, name="app-a", actor=ACTOR)
    _second, second_key = check_create_key(session, name="app-b", actor=ACTOR)
    assert first_key != second_key
    with pytest.raises(Conflict):
        check_create_key(session, name="app-a", actor=ACTOR)
    assert [row.name for row in list_keys(session)] == ["app-a", "app-b"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_key_needs_a_sensible_name(session, name) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_create_key(session, name=name, actor=ACTOR)
    assert "name" in refused.value.fields


def test_a_revoked_key_is_no_longer_found(session) -> None:
    row, key = check_create_key(session, name="retired-app", actor=ACTOR)
    with clock.frozen(clock.now()):
        revoked = check_revoke_key(session, name="retired-app")
        assert revoked.revoked_at == clock.now()
    assert revoked.id == row.id
    assert find_active_key(session, key) is None
    with pytest.raises(Conflict):
        check_revoke_key(session, name="retired-app")
    with pytest.raises(NotFound):
        check_revoke_key(session, name="never-made")
    assert [r.name for r in list_keys(session)] == ["retired-app"]


def test_a_post_with_the_longest_key_name_is_recorded_by_it(client, session, world) -> None:
    """Its actor, ``open311:<name>``, fits the 64-character actor columns (PostgreSQL
    refused a longer one with a 500)."""
    _row, key = check_create_key(session, name="k" * MAX_NAME_LENGTH, actor=ACTOR)
    session.flush()
    made = post(client, world, api_key=key, description="x", **world.point_in_village())
    assert made.status_code == 200, made.text
    case = session.get(Case, made.json()[0]["service_request_id"])
    assert case.created_by == "open311:" + "k" * MAX_NAME_LENGTH
    with pytest.raises(ValidationFailed):
        check_create_key(session, name="k" * (MAX_NAME_LENGTH + 1), actor=ACTOR)
