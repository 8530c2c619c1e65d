"""The policy table, may(), and scope_filter() against allows() on real rows."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from gridgov.access.policy import (
    ACTIONS,
    ALL,
    BELOW,
    CONTACT,
    MEMBER,
    OWN,
    POLICY,
    PUBLIC,
    RESOURCES,
    SUB,
    allows,
    is_public,
    may,
    rule,
    scope_filter,
)
from gridgov.access.principal import Principal, Scope
from gridgov.access.roles import ROLES
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

OTHER_TOWN = "350305109"


def principal(*scopes: Scope, household: Household | None = None) -> Principal:
    return Principal(
        user_id="u1",
        username="someone",
        household_id=household.id if household else None,
        household_code=household.territory_code if household else None,
        scopes=scopes,
    )


def test_the_table_has_every_role_resource_and_action_with_known_rules() -> None:
    assert tuple(POLICY) == RESOURCES
    known = {ALL, PUBLIC, SUB, BELOW, OWN, CONTACT, MEMBER, None}
    for resource, by_role in POLICY.items():
        assert tuple(by_role) == ROLES, resource
        for role, cells in by_role.items():
            assert len(cells) == len(ACTIONS), (resource, role)
            assert set(cells) <= known, (resource, role)
    # Only the administrator acts anywhere, except reading the shared vocabulary and the
    # case settings and the shelters, and reporting a case (anyone may report a problem
    # anywhere); household rules only ever read, except that a party member writes the contact
    # ledger of the households assigned to them (visits, and "must visit" moments), and
    # confirming one's own (or a contact) household in a roll-call.
    everyone = {
        ("read", "reference"),
        ("read", "case_setting"),
        ("create", "case"),
        ("read", "shelter"),
    }
    for resource, role, action in itertools.product(RESOURCES, ROLES, ACTIONS):
        cell = rule(role, action, resource)
        if cell == ALL and (action, resource) not in everyone:
            assert role == "administrator", (resource, role, action)
        writes_ledger = cell == CONTACT and (resource, action) in {
            ("visit", "create"),
            ("visit", "update"),
            ("contact", "create"),
        }
        confirms = (action, resource) == ("update", "roll_call")
        if cell in (OWN, CONTACT) and not writes_ledger and not confirms:
            assert action == "read", (resource, role, action)
        if cell == MEMBER:  # a group's members read it and post in it, nothing more
            assert resource in ("group", "message"), (resource, role, action)
            assert action in ("read", "create"), (resource, role, action)


def test_only_the_territory_map_is_public() -> None:
    public = [
        (action, resource)
        for action, resource in itertools.product(ACTIONS, RESOURCES)
        if is_public(action, resource)
    ]
    assert public == [("read", "territory")]


def test_may_answers_whether_any_role_can_ever_do_it() -> None:
    resident = principal(Scope("resident", "35030510820100101"))
    assert may(resident, "read", "household")
    assert not may(resident, "create", "household")
    assert not may(resident, "read", "post")
    assert not may(resident, "read", "import_export")
    unit_leader = principal(Scope("unit_leader", "35030510820100101"))
    assert may(unit_leader, "read", "resident") and not may(unit_leader, "update", "resident")
    both = principal(
        Scope("unit_leader", "35030510820100101"), Scope("grid_leader", "350305108202001")
    )
    assert may(both, "update", "resident")  # any one role suffices
    nobody = principal()
    assert not any(may(nobody, a, r) for a, r in itertools.product(ACTIONS, RESOURCES))
    admin = principal(Scope("administrator", None))
    assert may(admin, "reveal", "resident") and not may(admin, "update", "post")
    with pytest.raises(KeyError):
        may(admin, "delete", "household")


def test_below_is_strictly_under_the_node() -> None:
    secretary = principal(Scope("village_secretary", "350305108201"))
    assert allows(secretary, "update", "territory", "350305108201")
    assert not allows(secretary, "retire", "territory", "350305108201")
    assert allows(secretary, "retire", "territory", "350305108201001")
    assert not allows(secretary, "create", "post", "350305108201")  # the town appoints them
    assert allows(secretary, "create", "post", "350305108201002")
    assert not allows(secretary, "create", "post", "350305108202002")


def test_scope_filter_is_sql_a_prefix_or_nothing() -> None:
    grid = principal(Scope("grid_leader", "350305108201001"))
    condition = scope_filter(grid, "read", "household", Household.territory_code)
    sql = str(condition.compile(compile_kwargs={"literal_binds": True}))
    assert "LIKE '350305108201001%'" in sql
    nobody = scope_filter(principal(), "read", "household", Household.territory_code)
    assert str(nobody.compile()) in ("false", "0 = 1")
    admin = scope_filter(
        principal(Scope("administrator", None)), "read", "household", Household.territory_code
    )
    assert str(admin.compile()) in ("true", "1 = 1")
    # A resident's rule needs the row's household; without it nothing matches.
    resident = principal(Scope("resident", "35030510820100101"))
    assert str(scope_filter(resident, "read", "household", Household.territory_code).compile()) in (
        "false",
        "0 = 1",
    )


@pytest.fixture
def two_towns(session):
    here = make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    there = make_tree(
        session, villages=1, grids_per_village=1, units_per_grid=2, town_code=OTHER_TOWN
    )
    households = [make_household(session, unit=unit) for unit in here.all_units()]
    households += [make_household(session, unit=unit) for unit in there.all_units()]
    households.append(make_household(session, unit=here.villages[0]))  # not yet placed
    for household in households:
        make_resident(session, household=household)
    return here, there, households


def _principals(here, households: list[Household]) -> list[Principal]:
    village = here.villages[0]
    grid = here.grids[village.code][0]
    unit = here.units[grid.code][1]
    own = households[0]
    return [
        principal(Scope("administrator", None)),
        principal(Scope("town_official", here.town.code)),
        principal(Scope("village_secretary", village.code)),
        principal(Scope("grid_leader", grid.code)),
        principal(Scope("unit_leader", unit.code)),
        principal(Scope("party_member", grid.code), household=own),
        principal(Scope("resident", own.territory_code), household=own),
        principal(
            Scope("unit_leader", unit.code), Scope("resident", own.territory_code), household=own
        ),
        principal(
            Scope("grid_leader", grid.code), Scope("village_secretary", here.villages[1].code)
        ),
        principal(),
    ]


@pytest.mark.parametrize("action", ACTIONS)
def test_sql_filter_and_python_rule_agree_on_every_row(session, two_towns, action) -> None:
    here, _there, households = two_towns
    all_households = session.scalars(select(Household)).all()
    all_residents = session.scalars(select(Resident)).all()
    all_nodes = session.scalars(select(Territory)).all()
    for who in _principals(here, households):
        seen = set(
            session.scalars(
                select(Household.id).where(
                    scope_filter(
                        who,
                        action,
                        "household",
                        Household.territory_code,
                        household_column=Household.id,
                    )
                )
            )
        )
        expected = {
            h.id
            for h in all_households
            if allows(who, action, "household", h.territory_code, household_id=h.id)
        }
        assert seen == expected, (who.scopes, action)
        seen_residents = set(
            session.scalars(
                select(Resident.id).where(
                    scope_filter(
                        who,
                        action,
                        "resident",
                        Resident.territory_code,
                        household_column=Resident.household_id,
                    )
                )
            )
        )
        assert seen_residents == {
            r.id
            for r in all_residents
            if allows(who, action, "resident", r.territory_code, household_id=r.household_id)
        }
        nodes = set(
            session.scalars(
                select(Territory.code).where(scope_filter(who, action, "territory", Territory.code))
            )
        )
        assert nodes == {n.code for n in all_nodes if allows(who, action, "territory", n.code)}


def test_a_grid_leader_reads_their_grid_and_nothing_of_the_other_town(session, two_towns) -> None:
    here, there, households = two_towns
    grid = here.all_grids()[0]
    who = principal(Scope("grid_leader", grid.code))
    codes = set(
        session.scalars(
            select(Household.territory_code).where(
                scope_filter(who, "read", "household", Household.territory_code)
            )
        )
    )
    assert codes == {unit.code for unit in here.units[grid.code]}
    assert not any(code.startswith(there.town.code) for code in codes)
    resident = principal(Scope("resident", households[0].territory_code), household=households[0])
    mine = session.scalars(
        select(Resident.household_id).where(
            scope_filter(
                resident,
                "read",
                "resident",
                Resident.territory_code,
                household_column=Resident.household_id,
            )
        )
    ).all()
    assert mine and set(mine) == {households[0].id}
