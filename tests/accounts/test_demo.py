"""Demo accounts: one per role, random passwords, linked to the residents holding the posts."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.access.roles import ROLES
from gridgov.accounts import queries
from gridgov.accounts.demo import GRID, TOWN, UNIT, VILLAGE, create_demo_accounts
from gridgov.accounts.login import attempt_login
from gridgov.posts.actions import check_start_post
from tests.accounts.helpers import use_cheap_hashing
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    use_cheap_hashing(monkeypatch)


def _island_corner(session):
    """The demo codes: make_tree numbers its nodes exactly like the island's first ones."""
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    assert [tree.town.code, tree.villages[0].code] == [TOWN, VILLAGE]
    household = make_household(session, unit=tree.all_units()[0])
    people = [make_resident(session, household=household) for _ in range(4)]
    start = dt.date(2025, 1, 1)
    for holder, post_type, code in zip(
        people,
        ("village_secretary", "grid_leader", "unit_leader"),
        (VILLAGE, GRID, UNIT),
        strict=False,
    ):
        check_start_post(
            session,
            resident_id=holder.id,
            post_type=post_type,
            territory_code=code,
            start_date=start,
            actor="test",
        )
    return people


def test_one_account_per_role_with_fresh_random_passwords(session) -> None:
    secretary, grid_leader, unit_leader, villager = _island_corner(session)
    accounts = create_demo_accounts(session, actor="test")
    assert [role for _name, role, _code, _pw in accounts] == list(ROLES)
    territories = {role: code for _name, role, code, _pw in accounts}
    assert territories == {
        "administrator": "*",
        "town_official": TOWN,
        "village_secretary": VILLAGE,
        "grid_leader": GRID,
        "unit_leader": UNIT,
        "party_member": GRID,
        "resident": UNIT,
    }
    linked = {}
    for username, role, code, password in accounts:
        result = attempt_login(session, login=username, password=password, ip=None)
        assert result.user is not None, username
        [assignment] = queries.current_role_assignments(session, result.user.id)
        assert (assignment.role, assignment.territory_code or "*") == (role, code)
        linked[role] = result.user.resident_id
    assert linked["village_secretary"] == secretary.id
    assert linked["grid_leader"] == grid_leader.id
    assert linked["unit_leader"] == unit_leader.id
    assert linked["resident"] == villager.id
    assert linked["town_official"] is None and linked["administrator"] is None
    assert len({password for *_rest, password in accounts}) == len(accounts)


def test_gridgov_demo_prints_the_accounts_once_and_they_log_in(session, cli_bound) -> None:
    from typer.testing import CliRunner

    from gridgov.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--seed", "7", "--scale", "0.03"])
    assert result.exit_code == 0, result.output
    assert "demo accounts" in result.stdout
    session.expire_all()
    for username in ("demo_admin", "demo_grid", "demo_unit", "demo_resident"):
        line = next(line for line in result.stdout.splitlines() if f" {username} " in line)
        password = line.split("│")[4].strip()
        user = attempt_login(session, login=username, password=password, ip=None).user
        assert user is not None, username
        if username in ("demo_grid", "demo_unit", "demo_resident"):
            assert user.resident_id is not None
