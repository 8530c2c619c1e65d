"""Migration 0019: the contact state gains each household's node, whether it is active, its
member and link start, its rhythm's days and its next due day; filled set-based from the
registry, the links and the ledger (SQLite and PostgreSQL), and taken back by the
downgrade to 0017's shape (the visited households' last days)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gridgov import clock
from gridgov.contacts.ledger import check_record_visit
from gridgov.contacts.models import ContactRhythm, ContactState
from gridgov.database import migrate
from gridgov.database.sessions import session_factory
from gridgov.registry.life_events import check_record_move_out
from tests.contacts import exact
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.cases import principal_of
from tests.factories.registry import make_resident

D = dt.date
FIELDS = ("household_id", *exact.STATE_FIELDS)


def _states(engine: sa.Engine) -> dict[str, tuple]:
    with session_factory(engine)() as session:
        columns = [getattr(ContactState, name) for name in FIELDS]
        return {row[0]: tuple(row[1:]) for row in session.execute(sa.select(*columns))}


def _from_scratch(engine: sa.Engine) -> dict[str, tuple]:
    with session_factory(engine)() as session:
        return exact.states(session)


def test_the_states_get_links_rhythms_and_due_days(fresh_database) -> None:
    engine = fresh_database.migrate().engine
    with session_factory(engine)() as session, session.begin():
        world = make_world(session)
        h = world.households
        with clock.frozen(dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC)):
            for household in (1, 2, 3, 4):
                link(session, world, household, 0)
        make_resident(session, household=h[2], key_groups=("elderly_alone",))
        make_resident(session, household=h[3], key_groups=("disabled",))
        session.add(ContactRhythm(key_group_code="disabled", days=20))
        member = principal_of(session, world.member_users[0])
        for households, day in (((1,), D(2026, 9, 1)), ((1, 2), D(2026, 10, 3))):
            check_record_visit(
                session,
                household_ids=[h[i].id for i in households],
                principal=member,
                actor=ACTOR,
                visited_on=day,
                method="phone",
            )
        check_record_move_out(session, h[4], occurred_on=D(2026, 11, 1), actor=ACTOR)
    by_writes = _states(engine)
    assert by_writes == _from_scratch(engine)
    assert by_writes[h[1].id][-1] == D(2026, 10, 3) + dt.timedelta(days=90)
    assert by_writes[h[2].id][-2:] == (30, D(2026, 11, 2))
    assert by_writes[h[3].id][-2:] == (20, D(2026, 3, 22))
    assert by_writes[h[4].id][2] is False and by_writes[h[4].id][-1] is None  # moved out

    migrate.downgrade(engine, "0018")  # 0017's shape: the visited households' last days
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("contact_states")}
        assert columns == {"household_id", "last_visit_on"}
        old = {
            household_id: str(day)[:10]  # SQLite hands the text back
            for household_id, day in connection.execute(sa.text("SELECT * FROM contact_states"))
        }
    assert old == {h[1].id: "2026-10-03", h[2].id: "2026-10-03"}
    migrate.upgrade(engine)
    assert _states(engine) == by_writes
