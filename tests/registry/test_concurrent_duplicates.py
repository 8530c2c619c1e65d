"""Two clerks registering the same ID number at once: the second gets the same 409 as
the pre-check gives, from the unique constraint (real commits, a database of its own)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from gridgov.database.sessions import session_factory
from gridgov.errors import Conflict
from gridgov.registry.actions import check_create_household, check_create_resident
from gridgov.registry.models import Resident
from tests.factories.registry import ACTOR, make_id_number
from tests.factories.territory import make_tree

BIRTH = dt.date(1975, 8, 8)


def _person(household_id: str, name: str) -> dict:
    return {
        "household_id": household_id,
        "name": name,
        "sex": "male",
        "birth_date": BIRTH,
        "id_number": make_id_number(BIRTH, "male", sequence=7),
        "relation_to_head": "head",
        "actor": ACTOR,
    }


def test_duplicate_id_racing_past_the_pre_check_is_a_conflict(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite serializes writers: a second writer never races past the pre-check")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        tree = make_tree(setup, villages=1, grids_per_village=1, units_per_grid=1)
        household_id = check_create_household(
            setup, village_code=tree.villages[0].code, household_no="1", address="a", actor=ACTOR
        ).id
    outcome: dict[str, object] = {}

    def second_clerk() -> None:
        with maker() as session, session.begin():
            try:
                # Sees no committed duplicate, so its INSERT waits on the first clerk's row.
                check_create_resident(session, **_person(household_id, "第二个"))
            except Conflict as exc:
                outcome["fields"] = exc.fields
                outcome["usable"] = session.scalar(select(func.count()).select_from(Resident))

    with maker() as first, first.begin():
        check_create_resident(first, **_person(household_id, "第一个"))
        worker = threading.Thread(target=second_clerk)
        worker.start()
        time.sleep(0.5)  # let the second clerk reach its INSERT
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert outcome["fields"] == {"id_number": "already registered to another resident"}
    assert outcome["usable"] == 1  # its transaction survived the refused INSERT
    with maker() as check:
        assert [r.name for r in check.scalars(select(Resident))] == ["第一个"]
