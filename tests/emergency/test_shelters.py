"""A shelter's capacity and keeper changed (emergency.shelters.check_update_shelter): by
those who may add one in its village, with the create rules' fields; elsewhere 404."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gridgov.emergency.shelters import check_update_shelter, list_shelters
from gridgov.errors import NotFound, PermissionDenied, ValidationFailed
from tests.emergency.rollcall_world import Island, make_island


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def _update(session: Session, island: Island, who: str, **values: object):
    assert island.shelter is not None
    fields: dict[str, object] = {"capacity": 3, "keeper_user_id": None} | values
    return check_update_shelter(
        session,
        island.shelter.id,
        principal=island.principal(session, who),
        actor=f"user:{who}",
        **fields,  # type: ignore[arg-type]
    )


def test_a_secretary_changes_capacity_and_keeper(session: Session, island: Island) -> None:
    keeper = island.users["grid_leader"].id
    shelter = _update(session, island, "secretary", capacity=12, keeper_user_id=keeper)
    assert (shelter.capacity, shelter.keeper_user_id) == (12, keeper)
    loads, _ = list_shelters(session, territory=island.village, principal=None, limit=10, offset=0)
    assert [(load.shelter.id, load.free) for load in loads] == [(shelter.id, 12)]
    cleared = _update(session, island, "town_official", capacity=0)
    assert (cleared.capacity, cleared.keeper_user_id) == (0, None)


def test_bad_values_name_their_field_and_change_nothing(session: Session, island: Island) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _update(session, island, "secretary", capacity=-1, keeper_user_id="nosuchuser")
    assert set(refused.value.fields or {}) == {"capacity", "keeper_user_id"}
    assert island.shelter is not None and island.shelter.capacity == 3


def test_out_of_reach_is_not_found_and_a_unit_leader_is_refused(
    session: Session, island: Island
) -> None:
    with pytest.raises(NotFound):
        _update(session, island, "other_secretary", capacity=9)
    with pytest.raises(PermissionDenied):
        _update(session, island, "unit_leader", capacity=9)
    assert island.shelter is not None
    with pytest.raises(NotFound):
        check_update_shelter(
            session,
            "nosuchshelter",
            capacity=1,
            keeper_user_id=None,
            principal=island.principal(session, "secretary"),
            actor="user:secretary",
        )
