"""The contact ledger: recording, access by contact households, confirmation rules,
versions (who changed what; a stale version is refused), cases raised from a visit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.confirm import check_confirm_visit
from gridgov.contacts.ledger import CaseRequest, check_edit_visit, check_record_visit
from gridgov.contacts.queries import access_visit, list_visits, visit_of_case, visit_versions
from gridgov.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.access import make_user
from tests.factories.cases import make_categories, principal_of


def _visit(session, principal, household_ids, **extra):
    fields = {"visited_on": clock.today(), "method": "home_visit"} | extra
    return check_record_visit(
        session, household_ids=household_ids, principal=principal, actor=ACTOR, **fields
    )


@pytest.fixture
def world(session: Session):
    world = make_world(session)
    link(session, world, 1, 0)
    link(session, world, 2, 0)
    link(session, world, 6, 1)
    return world


def test_a_member_records_visits_of_their_own_households_only(session, world):
    member = principal_of(session, world.member_users[0])
    assert member.contact_household_ids == {world.households[1].id, world.households[2].id}
    # The membership carries the party_member role on the member's grid (no role row).
    grid = world.members[0].territory_code[:15]
    assert ("party_member", grid) in {(s.role, s.territory_code) for s in member.scopes}
    visit = _visit(session, member, [world.households[1].id], disputes=2, hazards=["fire"])
    assert visit.disputes == 2 and visit.hazards == ["fire"]
    with pytest.raises(ValidationFailed) as refused:
        _visit(session, member, [world.households[6].id])
    assert "household_ids" in refused.value.fields
    other = principal_of(session, world.member_users[1])
    with pytest.raises(NotFound):
        access_visit(session, visit.id, other)
    assert access_visit(session, visit.id, member) is visit


def test_leaders_read_their_subtree(session, world):
    member = principal_of(session, world.member_users[0])
    visit = _visit(session, member, [world.households[1].id])
    secretary = principal_of(session, world.secretary)
    visits, total = list_visits(
        session, principal=secretary, territory=world.village, limit=10, offset=0
    )
    assert total == 1 and visits[0].id == visit.id
    stranger = make_user(session, role="grid_leader", territory_code=world.tree.all_grids()[1].code)
    assert (
        list_visits(
            session, principal=principal_of(session, stranger), territory=None, limit=10, offset=0
        )[1]
        == 0
    )


def test_the_household_confirms_and_rates_but_not_the_maker(session, world):
    member = principal_of(session, world.member_users[0])
    visit = _visit(session, member, [world.households[1].id])
    # Household 1 has no account: its unit leader confirms.
    with pytest.raises(PermissionDenied):
        check_confirm_visit(
            session, visit, household_id=None, rating=5, principal=member, actor=ACTOR
        )
    leader = principal_of(session, world.unit_leader)
    row = check_confirm_visit(
        session, visit, household_id=None, rating=4, principal=leader, actor="user:leader"
    )
    assert row.rating == 4 and row.confirmed_at is not None
    with pytest.raises(Conflict):
        check_confirm_visit(
            session, visit, household_id=None, rating=4, principal=leader, actor="user:leader"
        )


def test_a_household_with_an_account_confirms_itself(session, world):
    resident_user = make_user(session, resident_id=world.heads[2].id)
    member = principal_of(session, world.member_users[0])
    visit = _visit(session, member, [world.households[2].id])
    leader = principal_of(session, world.unit_leader)
    with pytest.raises(NotFound):  # the household has an account: not the unit leader's to do
        check_confirm_visit(
            session, visit, household_id=None, rating=3, principal=leader, actor="x"
        )
    resident = principal_of(session, resident_user)
    assert access_visit(session, visit.id, resident) is visit
    row = check_confirm_visit(
        session, visit, household_id=None, rating=3, principal=resident, actor="user:res"
    )
    assert row.confirmed_by == "user:res"


def test_edits_are_versions_and_a_stale_version_is_refused(session, world):
    member = principal_of(session, world.member_users[0])
    visit = _visit(session, member, [world.households[1].id])
    leader = principal_of(session, world.unit_leader)
    check_confirm_visit(session, visit, household_id=None, rating=5, principal=leader, actor="l")
    check_edit_visit(session, visit, version=1, changes={"requests": 3}, actor="user:m")
    assert visit.version == 2
    versions = visit_versions(session, visit.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].changes["requests"] == [0, 3]
    assert versions[1].changed_by == "user:m"
    # The household confirmed what it read then: the edit withdraws its confirmation.
    assert versions[1].changes["confirmations_withdrawn"] == [world.households[1].id]
    with pytest.raises(Conflict):
        check_edit_visit(session, visit, version=1, changes={"requests": 4}, actor="user:m")
    assert visit.requests == 3


def test_bad_fields_are_named(session, world):
    member = principal_of(session, world.member_users[0])
    with pytest.raises(ValidationFailed) as refused:
        _visit(
            session,
            member,
            [world.households[1].id],
            visited_on=clock.today() + dt.timedelta(days=1),
            start_time=dt.time(10),
            end_time=dt.time(9),
        )
    assert {"visited_on", "end_time"} <= set(refused.value.fields)


def test_a_case_raised_on_a_visit_is_linked_both_ways(session, world):
    categories = make_categories(session)
    code = next(iter(categories))
    member = principal_of(session, world.member_users[0])
    visit = check_record_visit(
        session,
        household_ids=[world.households[1].id],
        cases=[CaseRequest(code, "楼道堆放杂物", world.households[1].id)],
        principal=member,
        actor=ACTOR,
        visited_on=clock.today(),
        method="home_visit",
    )
    from gridgov.contacts.queries import visit_parts

    case_ids = visit_parts(session, [visit])[visit.id].case_ids
    assert len(case_ids) == 1
    assert visit_of_case(session, case_ids[0]) == visit.id
    from gridgov.cases.models import Case

    assert session.get(Case, case_ids[0]).channel == "visit"
