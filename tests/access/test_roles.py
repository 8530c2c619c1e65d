"""The one role <-> level table, read both ways, and where each role is held."""

from __future__ import annotations

from gridgov.access.roles import HELD_ON, LEADER_OF, LEADS, ROLE_LEVELS, ROLES, level_problem
from gridgov.cases.levels import HANDLER_ROLE
from gridgov.cases.models import CASE_LEVELS
from gridgov.territory.codes import LEVELS


def test_every_level_is_led_by_one_role_and_the_table_reads_both_ways() -> None:
    assert set(LEADER_OF) == set(LEVELS) == set(CASE_LEVELS)
    assert {role: level for level, role in LEADER_OF.items()} == LEADS
    assert LEADER_OF["district"] == "administrator" and LEADER_OF["grid"] == "grid_leader"
    assert HANDLER_ROLE is LEADER_OF  # cases.levels names the table, it holds no copy


def test_roles_are_the_table_rows_widest_first() -> None:
    assert tuple(ROLE_LEVELS) == ROLES and ROLES[0] == "administrator" and ROLES[-1] == "resident"
    assert HELD_ON["village_secretary"] == "village" and HELD_ON["administrator"] is None
    assert "party_member" not in LEADS and HELD_ON["party_member"] is None


def test_level_problem() -> None:
    assert level_problem("grid_leader", "grid") is None
    assert level_problem("administrator", "town") is None
    assert (
        level_problem("grid_leader", "village")
        == "a grid_leader is assigned on a grid, not on a village"
    )
    assert level_problem("mayor", "town") == f"role must be one of {', '.join(ROLES)}"
