"""The monthly public summary: posted by the worker in the village's group in the first
days of a month, once per village and month (across runs, and across two workers on
PostgreSQL), totals only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.ledger import check_record_visit
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import ContactSummary
from gridgov.contacts.summary import SUMMARY_DAYS, previous_month, run_summary_step
from gridgov.database.sessions import session_factory
from gridgov.groups.models import Group, GroupMessage
from gridgov.jobs.actor import JOB_ACTOR
from gridgov.jobs.worker import STEPS, Worker
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.cases import principal_of
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

TODAY = dt.date(2026, 11, 30)  # tests/conftest.py's frozen day
NEXT_MONTH = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # the 2nd: summaries are due


def _messages(session: Session, village: str) -> list[GroupMessage]:
    group = session.scalars(
        select(Group).where(Group.kind == "village", Group.territory_code == village)
    ).one()
    return list(
        session.scalars(
            select(GroupMessage)
            .where(GroupMessage.group_id == group.id, GroupMessage.kind == "system")
            .order_by(GroupMessage.seq)
        )
    )


def _world_with_a_visit(session: Session):
    world = make_world(session)
    link(session, world, 1, 0)
    link(session, world, 2, 0)
    check_record_visit(
        session,
        household_ids=[world.households[1].id],
        principal=principal_of(session, world.member_users[0]),
        actor=ACTOR,
        visited_on=TODAY,
        method="home_visit",
    )
    return world


def test_previous_month_crosses_the_year() -> None:
    assert previous_month(dt.date(2027, 1, 3)) == dt.date(2026, 12, 1)
    assert previous_month(dt.date(2026, 12, 31)) == dt.date(2026, 11, 1)


def test_the_summary_goes_to_the_village_group_once_a_month(session: Session) -> None:
    world = _world_with_a_visit(session)
    # November 30th: not the first days of a month, nothing is posted.
    assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 0
    assert _messages(session, world.village) == []
    with clock.frozen(NEXT_MONTH):
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 1
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 0
    with clock.frozen(NEXT_MONTH + dt.timedelta(days=3)):
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 0
    (message,) = _messages(session, world.village)
    assert message.author_user_id is None and message.author_name == "系统"
    text = message.text
    assert "2026-11" in text
    assert "2" in text and str(len(world.households)) in text  # 2 of 16 assigned
    # Totals only: no member's or resident's name, no household number.
    for resident in world.heads:
        assert resident.name not in text
    for household in world.households:
        assert household.household_no not in text
    row = session.get(ContactSummary, (world.village, dt.date(2026, 11, 1)))
    assert row is not None and row.message_id == message.id
    # The month after: December's summary, once.
    with clock.frozen(dt.datetime(2027, 1, 1, 1, 0, tzinfo=dt.UTC)):
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 1
    december = _messages(session, world.village)[1]
    assert "2026-12" in december.text and "2026-11" not in december.text


def test_nothing_after_the_first_days_and_no_village_without_members(session: Session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    with_member, without = tree.villages
    for village in tree.villages:
        (unit,) = tree.units[tree.grids[village.code][0].code]
        resident = make_resident(session, household=make_household(session, unit=unit))
        if village is with_member:
            check_mark_member(
                session,
                resident_id=resident.id,
                branch="第一支部",
                joined_on=dt.date(2001, 7, 1),
                actor=ACTOR,
            )
    late = dt.datetime(2026, 12, SUMMARY_DAYS + 1, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(late):
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 0
    with clock.frozen(NEXT_MONTH):
        assert run_summary_step(session, today=clock.today(), actor=JOB_ACTOR) == 1
    assert len(_messages(session, with_member.code)) == 1
    assert _messages(session, without.code) == []


def test_the_worker_runs_the_step(session: Session, session_maker) -> None:
    world = _world_with_a_visit(session)
    session.commit()
    step = [s for s in STEPS if s.name == "contact_summary"]
    with clock.frozen(NEXT_MONTH):
        worker = Worker(session_maker, steps=step)
        assert worker.run_round().counts == {"contact_summary": 1}
        assert worker.run_round().counts == {"contact_summary": 0}
    assert len(_messages(session, world.village)) == 1


def test_two_workers_at_once_post_each_village_once(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: concurrent steps are PostgreSQL's case")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as session, session.begin():
        tree = make_tree(session, villages=3, grids_per_village=1, units_per_grid=1)
        villages = [village.code for village in tree.villages]
        for village in tree.villages:
            (unit,) = tree.units[tree.grids[village.code][0].code]
            resident = make_resident(session, household=make_household(session, unit=unit))
            check_mark_member(
                session,
                resident_id=resident.id,
                branch="第一支部",
                joined_on=dt.date(2001, 7, 1),
                actor=ACTOR,
            )
    step = [s for s in STEPS if s.name == "contact_summary"]
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[dict[str, str]] = []

    def work() -> None:
        worker = Worker(maker, steps=step)
        start.wait()
        for _ in range(3):
            result = worker.run_round()
            counts.append(result.counts["contact_summary"])
            errors.append(result.errors)

    with clock.frozen(NEXT_MONTH):
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sum(counts) == 3 and not any(errors)
    with maker() as session:
        for village in villages:
            assert len(_messages(session, village)) == 1
        assert session.scalar(select(func.count()).select_from(ContactSummary)) == 3
