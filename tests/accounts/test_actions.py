"""Users, role assignments, password changes and resets, tokens: the account actions."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov import clock
from gridgov.access.roles import ROLES
from gridgov.accounts import actions, passwords, queries, tokens
from gridgov.errors import Conflict, NotFound, ValidationFailed
from tests.accounts.helpers import ACTOR, PASSWORD, make_user, use_cheap_hashing
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

T0 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def tree(session):
    return make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)


def _codes(tree) -> dict[str, str]:
    grid = tree.all_grids()[0]
    return {
        "district": tree.district.code,
        "town": tree.town.code,
        "village": tree.villages[0].code,
        "grid": grid.code,
        "unit": tree.units[grid.code][0].code,
    }


def test_usernames_are_lower_cased_unique_and_never_look_like_phones(session) -> None:
    user = make_user(session, username="  Lin.Fang ")
    assert user.username == "lin.fang" and user.display_name == "lin.fang"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with pytest.raises(Conflict, match="taken"):
        make_user(session, username="LIN.FANG")
    for bad in ("13800138000", "ab", "lin fang", "_lin"):
        with pytest.raises(ValidationFailed) as refused:
            make_user(session, username=bad)
        assert set(refused.value.fields) == {"username"}


def test_the_password_policy_applies_on_creation(session) -> None:
    with pytest.raises(ValidationFailed, match="most common"):
        make_user(session, username="lin.fang", password="qwertyuiop")
    with pytest.raises(ValidationFailed, match="the username"):
        make_user(session, username="lin.fang.2024", password="Lin.Fang.2024")
    with pytest.raises(ValidationFailed, match="phone number"):
        make_user(session, username="lin.fang", password="13800138000", phone="13800138000")


def test_phone_and_resident_are_unique_per_user(session, tree) -> None:
    make_user(session, username="lin.fang", phone="13800138000")
    with pytest.raises(Conflict, match="phone"):
        make_user(session, username="chen.hui", phone="+86 13800138000")
    with pytest.raises(ValidationFailed, match="mainland mobile"):
        make_user(session, username="chen.hui", phone="12345")
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    assert (
        make_user(session, username="chen.hui", resident_id=resident.id).resident_id == resident.id
    )
    with pytest.raises(Conflict, match="already has a user"):
        make_user(session, username="wu.lei", resident_id=resident.id)
    with pytest.raises(ValidationFailed, match="no resident"):
        make_user(session, username="wu.lei", resident_id="missing")


@pytest.mark.parametrize(
    ("role", "allowed_levels"),
    [
        ("administrator", {"district", "town", "village", "grid", "unit"}),
        ("town_official", {"town"}),
        ("village_secretary", {"village"}),
        ("grid_leader", {"grid"}),
        ("unit_leader", {"unit"}),
        ("party_member", {"district", "town", "village", "grid", "unit"}),
        ("resident", {"district", "town", "village", "grid", "unit"}),
    ],
)
def test_a_role_fits_only_nodes_of_its_level(session, tree, role, allowed_levels) -> None:
    user = make_user(session, username="lin.fang")
    for level, code in _codes(tree).items():
        assign = {"user_id": user.id, "role": role, "territory_code": code, "actor": ACTOR}
        if level in allowed_levels:
            row = actions.check_assign_role(session, **assign, start_date=clock.today())
            assert (row.role, row.territory_code) == (role, code)
        else:
            with pytest.raises(ValidationFailed) as refused:
                actions.check_assign_role(session, **assign, start_date=clock.today())
            assert set(refused.value.fields) == {"territory_code"}
            assert f"not on a {level}" in refused.value.fields["territory_code"]


def test_role_assignment_rules(session, tree) -> None:
    user = make_user(session, username="lin.fang")
    grid = _codes(tree)["grid"]
    assign = {"user_id": user.id, "start_date": clock.today(), "actor": ACTOR}
    with pytest.raises(ValidationFailed, match="role"):
        actions.check_assign_role(session, **assign, role="mayor", territory_code=grid)
    with pytest.raises(ValidationFailed, match="no territory"):
        actions.check_assign_role(
            session, **assign, role="grid_leader", territory_code="35030510899"
        )
    with pytest.raises(ValidationFailed, match="needs a territory"):
        actions.check_assign_role(session, **assign, role="grid_leader", territory_code=None)
    with pytest.raises(NotFound):
        actions.check_assign_role(
            session, **{**assign, "user_id": "nobody"}, role="grid_leader", territory_code=grid
        )
    actions.check_assign_role(session, **assign, role="grid_leader", territory_code=grid)
    with pytest.raises(Conflict, match="already"):
        actions.check_assign_role(session, **assign, role="grid_leader", territory_code=grid)
    platform = actions.check_assign_role(
        session, **assign, role="administrator", territory_code=None
    )
    assert platform.territory_code is None
    assert len(ROLES) == 7


def test_current_assignments_follow_start_and_end_dates(session, tree) -> None:
    today = clock.today()
    codes = _codes(tree)
    user = make_user(session, username="lin.fang")
    grid = actions.check_assign_role(
        session,
        user_id=user.id,
        role="grid_leader",
        territory_code=codes["grid"],
        start_date=today - dt.timedelta(days=30),
        actor=ACTOR,
    )
    actions.check_assign_role(
        session,
        user_id=user.id,
        role="unit_leader",
        territory_code=codes["unit"],
        start_date=today + dt.timedelta(days=1),
        actor=ACTOR,
    )
    assert [row.role for row in queries.current_role_assignments(session, user.id)] == [
        "grid_leader"
    ]
    with pytest.raises(ValidationFailed, match="before the start"):
        actions.check_end_role(
            session, assignment_id=grid.id, end_date=today - dt.timedelta(days=31), actor=ACTOR
        )
    ended = actions.check_end_role(session, assignment_id=grid.id, end_date=today, actor=ACTOR)
    assert ended.end_date == today
    assert queries.current_role_assignments(session, user.id) == []
    assert [
        r.role
        for r in queries.current_role_assignments(session, user.id, on=today - dt.timedelta(days=1))
    ] == ["grid_leader"]
    with pytest.raises(Conflict, match="already ended"):
        actions.check_end_role(session, assignment_id=grid.id, end_date=today, actor=ACTOR)
    with pytest.raises(NotFound):
        actions.check_end_role(session, assignment_id="missing", end_date=today, actor=ACTOR)


def test_create_admin_refuses_a_second_administrator_unless_forced(session) -> None:
    assert not queries.administrator_exists(session)
    first = actions.check_create_admin(
        session, username="root.admin", password=PASSWORD, actor=ACTOR
    )
    assert queries.is_administrator(session, first.id) and queries.administrator_exists(session)
    with pytest.raises(Conflict, match="already exists"):
        actions.check_create_admin(session, username="second.admin", password=PASSWORD, actor=ACTOR)
    second = actions.check_create_admin(
        session, username="second.admin", password=PASSWORD, force=True, actor=ACTOR
    )
    assert queries.is_administrator(session, second.id)


def test_tokens_expire_and_are_stored_only_as_hashes(session) -> None:
    user = make_user(session, username="lin.fang")
    with clock.frozen(T0):
        token, row = tokens.issue_token(session, user, ttl_seconds=3600)
    assert len(token) >= 43 and row.token_hash == tokens.hash_token(token) != token
    with clock.frozen(T0 + dt.timedelta(minutes=59)):
        assert tokens.find_valid_token(session, token) == (row, user)
    with clock.frozen(T0 + dt.timedelta(minutes=60)):
        assert tokens.find_valid_token(session, token) is None
    assert tokens.find_valid_token(session, token + "x") is None


def test_last_used_is_written_at_most_once_a_minute(session) -> None:
    user = make_user(session, username="lin.fang")
    with clock.frozen(T0):
        _token, row = tokens.issue_token(session, user, ttl_seconds=3600)
        tokens.touch(row)
    with clock.frozen(T0 + dt.timedelta(seconds=59)):
        tokens.touch(row)
    assert row.last_used_at == T0
    with clock.frozen(T0 + dt.timedelta(seconds=60)):
        tokens.touch(row)
    assert row.last_used_at == T0 + dt.timedelta(seconds=60)


def test_revoking_a_users_tokens(session) -> None:
    user, other = make_user(session, username="lin.fang"), make_user(session, username="chen.hui")
    mine = [tokens.issue_token(session, user, ttl_seconds=3600)[0] for _ in range(2)]
    theirs, _ = tokens.issue_token(session, other, ttl_seconds=3600)
    assert actions.do_revoke_tokens(session, user, actor=ACTOR) == 2
    assert all(tokens.find_valid_token(session, token) is None for token in mine)
    assert tokens.find_valid_token(session, theirs) is not None
    assert actions.do_revoke_tokens(session, user, actor=ACTOR) == 0


def test_reset_forces_a_change_revokes_tokens_and_lifts_a_lockout(session) -> None:
    user = make_user(session, username="lin.fang")
    token, _ = tokens.issue_token(session, user, ttl_seconds=3600)
    user.locked_until = clock.now() + dt.timedelta(minutes=10)
    temporary = actions.do_reset_password(session, user, actor=ACTOR)
    assert user.must_change_password and user.locked_until is None
    assert passwords.verify_password(user.password_hash, temporary)
    assert not passwords.verify_password(user.password_hash, PASSWORD)
    assert tokens.find_valid_token(session, token) is None


def test_changing_ones_password(session) -> None:
    user = make_user(session, username="lin.fang")
    kept, kept_row = tokens.issue_token(session, user, ttl_seconds=3600)
    other, _ = tokens.issue_token(session, user, ttl_seconds=3600)
    user.must_change_password = True
    change = {"keep_token_id": kept_row.id}
    with pytest.raises(ValidationFailed) as wrong:
        actions.check_change_password(
            session, user, current_password="wrong one", new_password="a brand new secret", **change
        )
    assert set(wrong.value.fields) == {"current_password"}
    with pytest.raises(ValidationFailed) as weak:
        actions.check_change_password(
            session, user, current_password=PASSWORD, new_password="1q2w3e4r5t", **change
        )
    assert set(weak.value.fields) == {"new_password"}
    with pytest.raises(ValidationFailed, match="differ"):
        actions.check_change_password(
            session, user, current_password=PASSWORD, new_password=PASSWORD, **change
        )
    actions.check_change_password(
        session, user, current_password=PASSWORD, new_password="a brand new secret", **change
    )
    assert not user.must_change_password
    assert passwords.verify_password(user.password_hash, "a brand new secret")
    assert tokens.find_valid_token(session, kept) is not None
    assert tokens.find_valid_token(session, other) is None
