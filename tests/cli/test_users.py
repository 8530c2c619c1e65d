"""`gridgov users ...`: bootstrap an administrator, scoped users, resets, revocation, list."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gridgov.accounts import queries, tokens
from gridgov.accounts.login import attempt_login
from gridgov.cli.main import app
from tests.accounts.helpers import PASSWORD, make_user, use_cheap_hashing
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

pytestmark = pytest.mark.usefixtures("cli_bound")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    use_cheap_hashing(monkeypatch)


def _users(session) -> dict[str, dict]:
    session.expire_all()
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    return {user["username"]: user for user in json.loads(listed.stdout)}


def test_create_admin_bootstraps_once_unless_forced(session) -> None:
    args = ["users", "create-admin", "--username", "root.admin", "--password", PASSWORD]
    created = runner.invoke(app, args)
    assert created.exit_code == 0, created.output
    assert "administrator root.admin created" in created.stdout
    again = runner.invoke(
        app, ["users", "create-admin", "--username", "other", "--password", PASSWORD]
    )
    assert again.exit_code == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    forced = runner.invoke(
        app, ["users", "create-admin", "--username", "other", "--password", PASSWORD, "--force"]
    )
    assert forced.exit_code == 0, forced.output
    users = _users(session)
    assert [(r["role"], r["territory_code"]) for r in users["root.admin"]["roles"]] == [
        ("administrator", None)
    ]
    assert users["root.admin"]["created_by"].startswith("cli:")
    assert set(users) == {"root.admin", "other"}


def test_create_admin_refuses_a_weak_password_in_one_line(session) -> None:
    result = runner.invoke(
        app, ["users", "create-admin", "--username", "root.admin", "--password", "password1"]
    )
    assert result.exit_code == 1
    assert "password: must have at least 10 characters" in result.stderr
    assert "Traceback" not in result.output
    assert _users(session) == {}


def test_create_a_scoped_user_linked_to_a_resident_with_a_phone(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    grid = tree.all_grids()[0].code
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    session.commit()
    args = ["users", "create", "--username", "lin.fang", "--password", PASSWORD]
    scoped = [*args, "--role", "grid_leader", "--territory", grid]
    result = runner.invoke(app, [*scoped, "--resident", resident.id, "--phone", "13800138000"])
    assert result.exit_code == 0, result.output
    assert f"grid_leader of {grid}" in result.stdout
    user = _users(session)["lin.fang"]
    assert user["resident_id"] == resident.id and user["has_phone"] is True
    assert [(r["role"], r["territory_code"]) for r in user["roles"]] == [("grid_leader", grid)]
    assert attempt_login(session, login="13800138000", password=PASSWORD, ip=None).user
    wrong_level = runner.invoke(
        app, [*args[:3], "chen.hui", *args[4:], "--role", "unit_leader", "--territory", grid]
    )
    assert wrong_level.exit_code == 1
    assert "a unit_leader is assigned on a unit, not on a grid" in wrong_level.stderr
    assert "chen.hui" not in _users(session)  # all or nothing


def test_reset_password_prints_a_temporary_password_once(session) -> None:
    user = make_user(session, username="lin.fang")
    token, _ = tokens.issue_token(session, user, ttl_seconds=3600)
    session.commit()
    result = runner.invoke(app, ["users", "reset-password", "lin.fang"])
    assert result.exit_code == 0, result.output
    temporary = result.stdout.split("(shown once): ", 1)[1].split()[0]
    session.expire_all()
    assert attempt_login(session, login="lin.fang", password=PASSWORD, ip=None).user is None
    logged_in = attempt_login(session, login="lin.fang", password=temporary, ip=None).user
    assert logged_in is not None and logged_in.must_change_password
    assert tokens.find_valid_token(session, token) is None
    assert _users(session)["lin.fang"]["must_change_password"] is True


def test_revoke_tokens_by_username_or_id(session) -> None:
    user = make_user(session, username="lin.fang")
    issued = [tokens.issue_token(session, user, ttl_seconds=3600)[0] for _ in range(3)]
    session.commit()
    result = runner.invoke(app, ["users", "revoke-tokens", "LIN.FANG"])
    assert result.exit_code == 0, result.output
    assert "3 token(s) of lin.fang revoked" in result.stdout
    session.expire_all()
    assert all(tokens.find_valid_token(session, token) is None for token in issued)
    again = runner.invoke(app, ["users", "revoke-tokens", user.id])
    assert "0 token(s)" in again.stdout
    missing = runner.invoke(app, ["users", "revoke-tokens", "nobody"])
    assert missing.exit_code == 1 and "no user has username or id nobody" in missing.stderr


def test_list_shows_roles_and_state(session) -> None:
    make_user(session, username="root.admin", role="administrator")
    locked = make_user(session, username="lin.fang")
    locked.must_change_password = True
    session.commit()
    table = runner.invoke(app, ["users", "list"])
    assert table.exit_code == 0, table.output
    assert "administrator@*" in table.stdout and "must change password" in table.stdout
    assert "2 of 2" in table.stdout
    assert queries.find_user(session, "root.admin").username == "root.admin"
