"""`gridgov demo`: one command, refuses or skips a database that has territories."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.factories.territory import make_tree
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.posts.models import Post
from gridgov.registry.models import Household
from gridgov.territory.models import Territory

pytestmark = pytest.mark.usefixtures("cli_bound")
runner = CliRunner()


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_fills_an_empty_database_and_prints_a_summary(session) -> None:
    result = runner.invoke(app, ["demo", "--if-empty", "--seed", "7", "--scale", "0.03"])
    assert result.exit_code == 0, result.output
    assert _count(session, Territory, Territory.level == "village") == 11
    households = _count(session, Household)
    assert households == round(10_500 * 0.03)
    grids = _count(session, Territory, Territory.level == "grid")
    assert _count(session, Post, Post.post_type == "grid_leader") == grids
    for label in ("villages", "grids", "units", "households", "residents", "posts", "seconds"):
        assert label in result.stdout
    assert f"{households:,}" in result.stdout


def test_if_empty_does_nothing_when_territories_exist(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = _count(session, Territory)
    result = runner.invoke(app, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "already has territories" in result.stdout
    assert "not loaded" in result.stdout
    assert _count(session, Territory) == before
    assert _count(session, Household) == 0


def test_without_if_empty_a_database_with_territories_is_refused(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = _count(session, Territory)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "already has territories" in result.stderr and "--if-empty" in result.stderr
    assert "Traceback" not in result.output
    assert _count(session, Territory) == before


def test_demo_is_one_command_not_a_group() -> None:
    result = runner.invoke(app, ["demo", "--help"])
    assert result.exit_code == 0
    assert "--seed" in result.stdout and "--if-empty" in result.stdout


def test_after_the_demo_every_party_member_with_an_account_is_in_the_leaders_group(
    session,
) -> None:
    from gridgov.accounts.models import User
    from gridgov.contacts.models import PartyMember
    from gridgov.groups.models import Group, GroupMember

    result = runner.invoke(app, ["demo", "--if-empty", "--seed", "7", "--scale", "0.03"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    with_accounts = session.execute(
        select(User.id, PartyMember.territory_code)
        .join(PartyMember, PartyMember.resident_id == User.resident_id)
        .where(PartyMember.ended_on.is_(None))
    ).all()
    assert with_accounts
    party = session.scalar(select(User).where(User.username == "demo_party"))
    assert party.resident_id is not None  # linked to a party member of the demo grid
    assert party.id in {user_id for user_id, _ in with_accounts}
    for user_id, code in with_accounts:
        group_id = session.scalar(
            select(Group.id).where(Group.kind == "leaders", Group.village_code == code[:12])
        )
        row = session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id == user_id
            )
        )
        assert row is not None and row.left_at is None, (user_id, code)
        if user_id == party.id:  # no post: there as a party member, not as a leader
            assert row.source == "party"


def test_the_demo_resident_is_looked_after_by_the_demo_party_member(session) -> None:
    """The trial needed a hand change before demo_resident could confirm demo_party's visit:
    the resident's household is now one the member looks after."""
    from gridgov.accounts.models import User
    from gridgov.contacts.models import ContactAssignment, PartyMember
    from gridgov.registry.models import Resident

    result = runner.invoke(app, ["demo", "--if-empty", "--seed", "7", "--scale", "0.03"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    party, resident = (
        session.scalar(select(User).where(User.username == name))
        for name in ("demo_party", "demo_resident")
    )
    household = session.get(Resident, resident.resident_id).household_id
    looked_after_by = session.scalar(
        select(PartyMember.resident_id)
        .join(ContactAssignment, ContactAssignment.member_id == PartyMember.id)
        .where(ContactAssignment.household_id == household, ContactAssignment.ended_at.is_(None))
    )
    assert looked_after_by == party.resident_id
