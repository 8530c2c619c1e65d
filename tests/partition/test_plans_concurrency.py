"""Two requests applying plans of one scope at once: one applies, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from gridgov.database.sessions import session_factory
from gridgov.errors import Conflict
from gridgov.partition.apply import check_apply_plan
from gridgov.partition.constraints import Bounds
from gridgov.partition.models import PartitionPlan
from tests.partition.plan_helpers import located_village, plan_village


@pytest.mark.parametrize("same_plan", [True, False])
def test_concurrent_applies_serialize(fresh_database, same_plan) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: applies cannot run concurrently")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        village = located_village(setup, households=60)
        first = plan_village(setup, village).id
        second = (
            first if same_plan else plan_village(setup, village, grid_bounds=Bounds(25, 45, 30)).id
        )
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def apply(plan_id: str) -> None:
        try:
            start.wait()
            with maker() as session, session.begin():
                check_apply_plan(session, session.get(PartitionPlan, plan_id), actor="test")
            outcomes.append("applied")
        except Conflict:
            outcomes.append("conflict")
        except BaseException as exc:  # pragma: no cover - reported below
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=apply, args=(plan_id,)) for plan_id in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["applied", "conflict"]
    with maker() as check:
        statuses = check.scalars(select(PartitionPlan.status)).all()
        assert statuses.count("applied") == 1
