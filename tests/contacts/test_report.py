"""The coverage report on a world counted by hand (tests/contacts/world.py: 16 households in
two grids; links made today, 2026-11-30: households 1 and 2 to member 0, 6 to member 1;
household 6 has an elderly resident living alone: every 30 days, the others 90).

Visits by member 0: household 1 on 09-01 and 11-30 (the latter confirmed, rated 4),
household 2 on 08-15 and 11-20. Period 11-01 .. 12-27:
- contacted_30d (after 11-27): household 1; contacted_90d (after 09-28): 1 and 2;
- due in the period: 1 (09-01 + 90 = 11-30) visited 11-30, in time; 2 (08-15 + 90 = 11-13)
  visited 11-20, late: visit_rate 1/2;
- as of 12-27, household 6 (link 11-30 + 30 = 12-30) is due within the week: due_now 1;
- confirmed_share: of the 2 visits in the period, 1 confirmed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.contacts.confirm import check_confirm_visit
from gridgov.contacts.ledger import CaseRequest, check_record_visit
from gridgov.contacts.report import contact_report
from gridgov.errors import NotFound, PermissionDenied
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.access import make_user
from tests.factories.cases import make_categories, principal_of
from tests.factories.registry import make_resident

D = dt.date


@pytest.fixture
def world(session):
    world = make_world(session)
    make_resident(session, household=world.households[6], key_groups=("elderly_alone",))
    link(session, world, 1, 0)
    link(session, world, 2, 0)
    link(session, world, 6, 1)
    member = principal_of(session, world.member_users[0])
    h = world.households
    for household, day in (
        (1, D(2026, 9, 1)),
        (1, D(2026, 11, 30)),
        (2, D(2026, 8, 15)),
        (2, D(2026, 11, 20)),
    ):
        visit = check_record_visit(
            session,
            household_ids=[h[household].id],
            principal=member,
            actor=ACTOR,
            visited_on=day,
            method="home_visit",
        )
        if day == D(2026, 11, 30):
            check_confirm_visit(
                session,
                visit,
                household_id=None,
                rating=4,
                principal=principal_of(session, world.unit_leader),
                actor="user:unit",
            )
    return world


def test_the_figures_counted_by_hand(session, world):
    report = contact_report(
        session, territory_code=world.village, start=D(2026, 11, 1), end=D(2026, 12, 27)
    )
    figures = report.territory.figures
    assert figures == {
        "households": 16,
        "assigned": 3,
        "contacted_30d": 1,
        "contacted_90d": 2,
        "due_now": 1,
        "overdue": 0,
        "due_in_period": 2,
        "visited_in_time": 1,
    }
    assert report.territory.visit_rate == 0.5
    assert (report.visits, report.confirmed, report.confirmed_share) == (2, 1, 0.5)
    grids = {child.code: child.figures for child in report.children}
    first, second = (grid.code for grid in world.tree.all_grids())
    assert grids[first]["assigned"] == 3 and grids[first]["households"] == 8
    assert grids[second]["assigned"] == 0 and grids[second]["households"] == 8
    loads = {row["member_id"]: row for row in report.members}
    assert loads[world.members[0].id]["households"] == 2
    assert loads[world.members[0].id]["visits"] == 2
    assert loads[world.members[0].id]["mean_rating"] == 4.0


def test_overdue_counted_back_from_to(session, world):
    report = contact_report(
        session, territory_code=world.village, start=D(2026, 12, 1), end=D(2027, 1, 5)
    )
    assert report.territory.figures["overdue"] == 1  # household 6, due 12-30


def test_a_party_member_reads_no_report_and_a_leader_only_theirs(session, world):
    member = principal_of(session, world.member_users[0])
    with pytest.raises(PermissionDenied):
        contact_report(
            session,
            territory_code=world.village,
            start=D(2026, 11, 1),
            end=D(2026, 11, 30),
            principal=member,
        )
    first, second = world.tree.all_grids()
    leader = principal_of(
        session, make_user(session, role="grid_leader", territory_code=second.code)
    )
    with pytest.raises(NotFound):
        contact_report(
            session,
            territory_code=first.code,
            start=D(2026, 11, 1),
            end=D(2026, 11, 30),
            principal=leader,
        )
    # Above their node: their part only.
    village = contact_report(
        session,
        territory_code=world.village,
        start=D(2026, 11, 1),
        end=D(2026, 11, 30),
        principal=leader,
    )
    assert village.territory.figures["households"] == 8
    assert village.territory.figures["assigned"] == 0


def test_the_monthly_public_summary_has_totals_only(session, world):
    from gridgov.contacts.summary import monthly_summary

    text = monthly_summary(session, world.village, D(2026, 11, 1)).render("en")
    assert text.startswith(
        "Contact ledger 2026-11: 3 of 16 households have a party member; 2 visits"
    )
    assert not any(head.name in text for head in world.heads)


def test_visits_that_raised_cases_in_the_period(session, world):
    code = next(iter(make_categories(session)))
    member = principal_of(session, world.member_users[0])
    h = world.households
    for day in (D(2026, 11, 25), D(2026, 10, 1)):  # in the period, and before it
        check_record_visit(
            session,
            household_ids=[h[1].id, h[2].id],  # two rows of one visit: counted once
            cases=[CaseRequest(code, "楼道堆放杂物", h[1].id)],
            principal=member,
            actor=ACTOR,
            visited_on=day,
            method="home_visit",
        )
    report = contact_report(
        session, territory_code=world.village, start=D(2026, 11, 1), end=D(2026, 11, 30)
    )
    assert report.visits_with_cases == 1
    assert sum(report.case_states.values()) == 1
    elsewhere = contact_report(
        session,
        territory_code=world.tree.all_grids()[1].code,
        start=D(2026, 11, 1),
        end=D(2026, 11, 30),
    )
    assert (elsewhere.visits_with_cases, elsewhere.case_states) == (0, {})
