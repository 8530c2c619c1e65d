"""Cases moved with their households or off dissolved nodes, many at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridgov.audit.models import AuditEntry
from gridgov.cases.categories import seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case
from gridgov.cases.relocation import do_relocate_cases, do_restore_case_places, place_at
from gridgov.errors import NotFound
from tests.factories.registry import make_household
from tests.factories.territory import make_tree


def _case(session, household) -> Case:
    case, _ = check_report_case(
        session,
        category_code="dispute",
        description="noise",
        channel="cli",
        actor="test",
        household_id=household.id,
    )
    return case


def test_a_case_keeps_its_level_unless_its_new_node_stands_higher() -> None:
    assert place_at("unit", "35030510820100102") == (
        "35030510820100102",
        "unit",
        "35030510820100102",
    )
    assert place_at("grid", "35030510820100102") == ("35030510820100102", "grid", "350305108201001")
    # moved to its village (its unit dissolved, no new unit under it): handled there
    assert place_at("unit", "350305108201") == ("350305108201", "village", "350305108201")


def test_cases_move_and_come_back_each_audited(session) -> None:
    seed_categories(session, actor="test")
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    first, second = tree.all_units()
    cases = [_case(session, make_household(session, unit=first)) for _ in range(3)]
    version = cases[0].version
    before = do_relocate_cases(
        session,
        {cases[0].id: second.code, cases[1].id: tree.villages[0].code, cases[2].id: first.code},
        actor="test:plan",
    )
    assert set(before) == {cases[0].id, cases[1].id}  # the third is already there
    assert before[cases[0].id] == [first.code, cases[0].level, first.code]
    assert (cases[0].territory_code, cases[0].handler_code) == (second.code, second.code)
    assert cases[0].version == version + 1
    assert (cases[1].level, cases[1].handler_code) == ("village", tree.villages[0].code)
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.object_id == cases[0].id, AuditEntry.actor == "test:plan"
        )
    )
    assert entry.territory_code == second.code
    assert entry.changes["territory_code"] == [first.code, second.code]
    do_restore_case_places(session, before, actor="test:plan")
    for case in cases:
        assert (case.territory_code, case.level, case.handler_code) == (
            first.code,
            "unit",
            first.code,
        )


def test_an_unknown_case_is_not_found(session) -> None:
    with pytest.raises(NotFound):
        do_relocate_cases(session, {"nope": "350305108201"}, actor="test")
