"""The contact state (contacts.state) against the exact aggregates it replaced
(tests/contacts/exact.py): the due list and the report's household figures must be the same
on every node, every day and every period, on a world with visits recorded late (out of day
order, several households at once), visit days edited both ways, key groups gained and lost
(an update, a death), a tag's own rhythm and a household reassigned; and every field of
the state rows against a computation from scratch after each kind of write."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.contacts.assigning import check_pin_assignment, check_run_assignment
from gridgov.contacts.due import due_list
from gridgov.contacts.ledger import check_edit_visit, check_record_visit
from gridgov.contacts.models import ContactRhythm, ContactState, VisitHousehold
from gridgov.contacts.report import _coverage_rows
from gridgov.contacts.state import fill_states
from gridgov.registry.actions import check_change_unit, check_update_resident
from gridgov.registry.life_events import check_record_death, check_record_move_out
from gridgov.registry.moves import do_move_households
from tests.contacts import exact
from tests.contacts.world import ACTOR, World, link, make_world
from tests.factories.cases import principal_of
from tests.factories.registry import make_resident

D = dt.date
TODAY = D(2026, 11, 30)  # tests/conftest.py's frozen day
# Households 0, 5 and 9 are the members' own; the others go to members 0, 1, 2.
LINKS = {1: 0, 2: 0, 3: 0, 4: 0, 6: 1, 7: 1, 8: 1, 10: 2, 11: 2, 12: 2, 13: 2, 14: 2}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)


def _record(session, world: World, households: list[int], day: dt.date):
    member = principal_of(session, world.member_users[LINKS[households[0]]])
    return check_record_visit(
        session,
        household_ids=[world.households[i].id for i in households],
        member_ids=[world.members[LINKS[households[0]]].id],
        principal=member,
        actor=ACTOR,
        visited_on=day,
        method="home_visit",
    )


def _edit(session, visit, day: dt.date) -> None:
    check_edit_visit(
        session, visit, version=visit.version, changes={"visited_on": day}, actor=ACTOR
    )


@pytest.fixture
def world(session):
    world = make_world(session)
    h = world.households
    elderly = make_resident(session, household=h[6], key_groups=("elderly_alone",))
    dying = make_resident(session, household=h[12], key_groups=("disabled",))
    with clock.frozen(_at(D(2026, 3, 2))):
        for household, member in LINKS.items():
            link(session, world, household, member)
    rng = random.Random(14)
    start = D(2026, 3, 2)
    planned = []
    for _ in range(45):
        first = rng.choice(sorted(LINKS))
        # Some visits reach two households of the same member at once.
        others = [i for i, m in LINKS.items() if m == LINKS[first] and i != first]
        households = [first, rng.choice(others)] if rng.random() < 0.25 else [first]
        planned.append((households, start + dt.timedelta(days=rng.randrange(270))))
    rng.shuffle(planned)  # recorded late, out of day order
    visits = [_record(session, world, households, day) for households, day in planned]
    for visit in visits[::6]:  # days corrected, earlier and later
        shift = rng.choice((-40, -3, 5, 30))
        _edit(session, visit, min(TODAY, visit.visited_on + dt.timedelta(days=shift)))
    _edit(session, visits[1], visits[1].visited_on)  # an edit that changes nothing
    check_update_resident(
        session, world.heads[3], key_groups=("disabled",), actor=ACTOR
    )  # gains a key group
    check_update_resident(session, elderly, key_groups=(), actor=ACTOR)  # loses its only one
    check_record_death(session, dying, occurred_on=D(2026, 11, 2), actor=ACTOR)
    session.add(ContactRhythm(key_group_code="disabled", days=20))
    with clock.frozen(_at(D(2026, 10, 1))):  # household 2 goes to member 1
        link(session, world, 2, 1)
    session.flush()
    return world


def _nodes(world: World) -> list[str]:
    codes = {h.territory_code for h in world.households}
    return sorted({world.village[:9], world.village} | {code[:15] for code in codes} | codes)


def _items(found) -> list[tuple]:
    return sorted(
        (i.household_id, i.territory_code, i.member_id or "", i.reason, i.due_on, i.overdue)
        for i in found.items
    )


DAYS = [
    D(2026, 3, 1),
    D(2026, 4, 15),
    D(2026, 6, 1),
    D(2026, 7, 20),
    D(2026, 9, 1),
    D(2026, 10, 1),
    D(2026, 11, 1),
    D(2026, 11, 29),
    TODAY,
    D(2026, 12, 20),
    D(2027, 2, 28),
]
PERIODS = [
    (D(2026, 3, 1), D(2026, 5, 31)),
    (D(2026, 6, 1), D(2026, 8, 29)),
    (D(2026, 9, 2), TODAY),
    (D(2026, 11, 1), D(2026, 12, 27)),
    (D(2026, 1, 1), D(2026, 12, 31)),
    (TODAY, TODAY),
]


def _compare_everywhere(session, world: World, nodes: list[str]) -> int:
    """Compare on ``nodes``; return how many due items were compared (the world must make
    the comparison bite)."""
    compared = 0
    for day in DAYS + [v.visited_on for v in session.scalars(select(VisitHousehold))][:20]:
        for node in nodes:
            fast = due_list(session, territory=node, day=day, principal=None, limit=1000, offset=0)
            slow = exact.due_list(session, territory=node, day=day)
            assert _items(fast) == _items(slow), (node, day)
            assert (fast.total, fast.by_member, fast.by_grid, fast.by_village) == (
                slow.total,
                slow.by_member,
                slow.by_grid,
                slow.by_village,
            ), (node, day)
            page = due_list(session, territory=node, day=day, principal=None, limit=3, offset=2)
            assert page.total == slow.total and len(page.items) == min(3, max(0, slow.total - 2))
            compared += len(slow.items)
    for start, end in PERIODS:
        for node in nodes:
            length = min(len(node) + 3, 17) if len(node) < 17 else 17
            fast_rows = _coverage_rows(session, node, start, end, None, length)
            assert fast_rows == exact.coverage_rows(session, node, start, end, length), (
                node,
                start,
                end,
            )
    return compared


def test_the_state_gives_exactly_the_aggregates(session, world):
    compared = _compare_everywhere(session, world, _nodes(world))
    assert compared > 100
    # Every field of every state row is what a computation from scratch gives.
    found = _states(session)
    assert found == exact.states(session)
    assert any(row[0] is None for row in found.values())  # assigned, never visited
    assert {row[5] for row in found.values()} >= {20, 90}  # a tag's own rhythm, the default
    # The set-based fill (bench loads; migration 0019 says the same) gives the same rows.
    fill_states(session.connection())
    session.expire_all()
    assert _states(session) == found


def _states(session) -> dict[str, tuple]:
    session.flush()
    columns = [getattr(ContactState, name) for name in exact.STATE_FIELDS]
    return {
        household_id: tuple(values)
        for household_id, *values in session.execute(select(ContactState.household_id, *columns))
    }


def test_a_moved_household_keeps_its_last_visit(session, world):
    """A household moved to another unit of its village: every node above the unit still
    matches the aggregate; on the new unit its visits recorded in the old one count (the
    aggregate by the visit rows' node forgot them: it called the household never visited)."""
    h = world.households
    units = sorted({x.territory_code for x in h})
    states = dict(
        session.execute(select(ContactState.household_id, ContactState.last_visit_on)).all()
    )
    moved = next(h[i] for i in (13, 14, 11, 10) if h[i].id in states)
    visited = states[moved.id]
    target = next(u for u in units if u[:15] != moved.territory_code[:15])
    check_change_unit(session, moved, unit_code=target, actor=ACTOR)
    session.flush()
    _compare_everywhere(session, world, [world.village[:9], world.village])
    day = visited + dt.timedelta(days=95)
    fast = {
        (i.household_id, i.reason): i
        for i in due_list(
            session, territory=target, day=day, principal=None, limit=1000, offset=0
        ).items
    }
    assert fast[(moved.id, "rhythm")].due_on <= visited + dt.timedelta(days=90)


def test_every_kind_of_write_keeps_the_state(session):
    """After each kind of write that changes a state, every field of every state row is
    the computation from scratch, and the due list of the village is the exact one."""
    world = make_world(session)
    h = world.households
    compared = []

    def check(label: str) -> None:
        found = _states(session)
        assert found == exact.states(session), label
        fast = due_list(
            session, territory=world.village, day=TODAY, principal=None, limit=1000, offset=0
        )
        slow = exact.due_list(session, territory=world.village, day=TODAY)
        assert _items(fast) == _items(slow), label
        compared.append(len(found))

    with clock.frozen(_at(D(2026, 3, 2))):
        check_run_assignment(
            session, territory_code=world.village, capacity=10, dry_run=False, actor=ACTOR
        )
    check("assignment run")
    member_of = dict(
        session.execute(select(ContactState.household_id, ContactState.member_id)).all()
    )
    other = next(m for m in world.members if m.id != member_of[h[2].id])
    check_pin_assignment(session, h[2], member_id=other.id, actor=ACTOR)
    check("pinned to another member")
    elderly = make_resident(session, household=h[6], key_groups=("elderly_alone",))
    check("a resident in a key group added")
    check_update_resident(session, world.heads[3], key_groups=("disabled",), actor=ACTOR)
    check("key group gained")
    session.add(ContactRhythm(key_group_code="disabled", days=20))
    session.flush()
    check("a tag's own rhythm")
    rhythm = session.get(ContactRhythm, "disabled")
    rhythm.days = 45
    session.flush()
    check("the rhythm changed")
    check_update_resident(session, world.heads[3], key_groups=(), actor=ACTOR)
    check("key group lost")
    check_record_death(session, elderly, occurred_on=D(2026, 11, 2), actor=ACTOR)
    check("death of the key-group resident")
    index = world.members.index(other)
    visit = check_record_visit(
        session,
        household_ids=[h[2].id],
        member_ids=[other.id],
        principal=principal_of(session, world.member_users[index]),
        actor=ACTOR,
        visited_on=D(2026, 6, 1),
        method="home_visit",
    )
    check("visit recorded")
    _edit(session, visit, D(2026, 9, 1))
    check("visit day edited")
    units = sorted({x.territory_code for x in h})
    target = next(u for u in units if u[:15] != h[4].territory_code[:15])
    check_change_unit(session, h[4], unit_code=target, actor=ACTOR)
    check("household moved (unit change)")
    back = next(u for u in units if u != h[8].territory_code)
    do_move_households(session, [(h[8].id, back)], occurred_on=TODAY, actor=ACTOR)
    check("household moved (set-based move)")
    check_record_move_out(session, h[7], occurred_on=D(2026, 11, 20), actor=ACTOR)
    check("household moved out")
    session.delete(rhythm)
    session.flush()
    check("rhythm removed")
    assert min(compared) >= 10
