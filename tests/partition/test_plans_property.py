"""Property: applying a plan and rolling it back restores the previous state exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.partition.apply import check_apply_plan, check_rollback_plan
from tests.partition.plan_helpers import (
    appoint_grid_leaders,
    located_village,
    plan_village,
    snapshot,
)


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    households=st.integers(min_value=26, max_value=110),
    grids=st.integers(min_value=1, max_value=4),
    units=st.integers(min_value=1, max_value=3),
    unlocated=st.integers(min_value=0, max_value=2),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_apply_then_rollback_restores_the_state(
    session, households, grids, units, unlocated, seed
) -> None:
    savepoint = session.begin_nested()  # each example starts from an empty database
    try:
        village = located_village(
            session,
            households=households,
            grids=grids,
            units=units,
            seed=seed,
            unlocated=unlocated,
        )
        appoint_grid_leaders(session, village)
        before = snapshot(session, village.village.code)
        plan = plan_village(session, village)
        check_apply_plan(session, plan, actor="test")
        applied = snapshot(session, village.village.code)
        for household_id, unit_code in plan.proposal["assignment"].items():
            assert applied["households"][household_id] == unit_code
        check_rollback_plan(session, plan, actor="test")
        after = snapshot(session, village.village.code)
        created = set(plan.before["created"])
        assert {k: v for k, v in after["nodes"].items() if k not in created} == before["nodes"]
        assert all(after["nodes"][code][1] == "retired" for code in created)
        assert after["households"] == before["households"]
        assert after["residents"] == before["residents"]
    finally:
        savepoint.rollback()
