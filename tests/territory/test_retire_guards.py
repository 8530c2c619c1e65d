"""Retiring a node asks the guards higher packages added (the registry's among them)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.orm import Session

from gridgov.errors import Conflict
from gridgov.registry.guards import refuse_retiring_with_active_households
from gridgov.territory import retire_guards
from gridgov.territory.actions import check_retire_territory
from tests.factories.registry import make_household
from tests.factories.territory import ACTOR, make_tree


def test_the_registrys_guard_is_installed_with_the_sessions(session) -> None:
    assert refuse_retiring_with_active_households in retire_guards.retire_guards()


def test_a_unit_with_an_active_household_is_not_retired(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    unit, empty = tree.all_units()
    household = make_household(session, unit=unit)
    with pytest.raises(Conflict) as refused:
        check_retire_territory(session, unit, actor=ACTOR)
    assert refused.value.fields == {"code": "has active households"}
    assert household.household_no in refused.value.message
    assert unit.status == "active"
    check_retire_territory(session, empty, actor=ACTOR)
    assert empty.status == "retired"


def test_a_guard_added_by_a_higher_package_can_refuse(session, monkeypatch) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    asked: list[str] = []

    def no_retiring(_session: Session, codes: Sequence[str]) -> None:
        asked.extend(codes)
        raise Conflict(f"territory {codes[0]} has open business", fields={"code": "busy"})

    monkeypatch.setattr(retire_guards, "_guards", list(retire_guards.retire_guards()))
    retire_guards.add_retire_guard(no_retiring)
    retire_guards.add_retire_guard(no_retiring)  # once is enough
    with pytest.raises(Conflict, match="open business"):
        check_retire_territory(session, unit, actor=ACTOR)
    assert asked == [unit.code]
    assert unit.status == "active"
