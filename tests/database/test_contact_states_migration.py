"""Migration 0017: a ledger recorded before it gets the contact state the ledger's writes
keep (contacts.state): each visited household's last visit day and each visit row's
previous day of its household, filled set-based (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gridgov.contacts.ledger import check_edit_visit, check_record_visit
from gridgov.contacts.models import ContactState, VisitHousehold
from gridgov.database import migrate
from gridgov.database.sessions import session_factory
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.cases import principal_of

D = dt.date


def _state(engine: sa.Engine) -> tuple[dict, set]:
    with session_factory(engine)() as session:
        states = dict(
            session.execute(sa.select(ContactState.household_id, ContactState.last_visit_on)).all()
        )
        rows = {
            tuple(row)
            for row in session.execute(
                sa.select(
                    VisitHousehold.visit_id,
                    VisitHousehold.household_id,
                    VisitHousehold.prev_visit_on,
                )
            )
        }
        return states, rows


def test_the_ledger_gets_its_contact_state(fresh_database) -> None:
    engine = fresh_database.migrate().engine
    with session_factory(engine)() as session, session.begin():
        world = make_world(session)
        for household in (1, 2, 3):
            link(session, world, household, 0)
        member = principal_of(session, world.member_users[0])
        h = world.households
        visits = [
            check_record_visit(
                session,
                household_ids=[h[i].id for i in households],
                principal=member,
                actor=ACTOR,
                visited_on=day,
                method="phone",
            )
            for households, day in (
                ((1,), D(2026, 9, 1)),
                ((1, 2), D(2026, 10, 3)),
                ((1,), D(2026, 8, 2)),  # recorded late
                ((2,), D(2026, 10, 3)),  # the same day twice
                ((2,), D(2026, 11, 20)),
            )
        ]
        check_edit_visit(
            session, visits[4], version=1, changes={"visited_on": D(2026, 7, 1)}, actor=ACTOR
        )
    by_ledger = _state(engine)
    # Household 3 is assigned, never visited: its state (migration 0019) has no last day.
    assert by_ledger[0] == {h[1].id: D(2026, 10, 3), h[2].id: D(2026, 10, 3), h[3].id: None}
    assert (visits[1].id, h[1].id, D(2026, 9, 1)) in by_ledger[1]
    assert (visits[3].id, h[2].id, D(2026, 7, 1)) in by_ledger[1]
    assert (visits[4].id, h[2].id, None) in by_ledger[1]

    migrate.downgrade(engine, "0016")  # as if the ledger was there before the state
    with engine.connect() as connection:
        assert "contact_states" not in sa.inspect(connection).get_table_names()
    migrate.upgrade(engine)
    assert _state(engine) == by_ledger
