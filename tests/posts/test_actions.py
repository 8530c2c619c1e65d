from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.errors import Conflict, ValidationFailed
from gridgov.posts.actions import check_end_post, check_hand_over, check_start_post
from gridgov.posts.models import Post
from gridgov.posts.queries import current_holder, list_posts
from gridgov.registry.life_events import check_record_death, check_record_move_out
from gridgov.registry.models import RegistryEvent
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import ACTOR, make_tree

DAY = dt.date(2026, 1, 5)


@pytest.fixture
def grid_and_people(session):
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    grid = tree.all_grids()[0]
    household = make_household(session, unit=tree.all_units()[0])
    people = [make_resident(session, household=household) for _ in range(3)]
    return tree, grid, people


def _posts(session) -> int:
    return session.scalar(select(func.count()).select_from(Post))


def test_grid_leader_is_appointed_on_a_grid(session, grid_and_people) -> None:
    _tree, grid, people = grid_and_people
    post = check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    assert post.is_exclusive and post.end_date is None
    assert current_holder(session, post_type="grid_leader", territory_code=grid.code) is post


def test_second_current_grid_leader_is_refused_and_nothing_written(session, grid_and_people):
    _tree, grid, people = grid_and_people
    check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    before = _posts(session)
    with pytest.raises(Conflict, match="hand the post over"):
        check_start_post(
            session,
            resident_id=people[1].id,
            post_type="grid_leader",
            territory_code=grid.code,
            start_date=DAY,
            actor=ACTOR,
        )
    assert _posts(session) == before


def test_the_database_itself_refuses_two_current_exclusive_holders(session, grid_and_people):
    from sqlalchemy.exc import IntegrityError

    _tree, grid, people = grid_and_people
    for person in people[:2]:
        session.add(
            Post(
                resident_id=person.id,
                post_type="grid_leader",
                territory_code=grid.code,
                is_exclusive=True,
                start_date=DAY,
                created_by=ACTOR,
            )
        )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_post_on_the_wrong_level_names_the_field(session, grid_and_people) -> None:
    tree, _grid, people = grid_and_people
    with pytest.raises(ValidationFailed) as info:
        check_start_post(
            session,
            resident_id=people[0].id,
            post_type="unit_leader",
            territory_code=tree.villages[0].code,
            start_date=DAY,
            actor=ACTOR,
        )
    assert "territory_code" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        check_start_post(
            session,
            resident_id=people[0].id,
            post_type="mayor",
            territory_code=tree.villages[0].code,
            start_date=DAY,
            actor=ACTOR,
        )
    assert "post_type" in info.value.fields


def test_handover_ends_one_post_and_starts_the_next(session, grid_and_people) -> None:
    _tree, grid, people = grid_and_people
    first = check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    ended, started = check_hand_over(
        session,
        post_type="grid_leader",
        territory_code=grid.code,
        resident_id=people[1].id,
        on_date=DAY + dt.timedelta(days=30),
        reason="term ended",
        actor=ACTOR,
    )
    assert ended is first and first.end_date == DAY + dt.timedelta(days=30)
    assert started.resident_id == people[1].id
    history, total = list_posts(session, territory=grid.code, current=None)
    assert total == 2 and {post.resident_id for post in history} == {people[0].id, people[1].id}
    current, _ = list_posts(session, territory=grid.code)
    assert [post.id for post in current] == [started.id]


def test_end_before_start_and_double_end_are_refused(session, grid_and_people) -> None:
    _tree, grid, people = grid_and_people
    post = check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_member",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    with pytest.raises(ValidationFailed) as info:
        check_end_post(session, post, end_date=DAY - dt.timedelta(days=1), reason="x", actor=ACTOR)
    assert "end_date" in info.value.fields
    check_end_post(session, post, end_date=DAY, reason="resigned", actor=ACTOR)
    with pytest.raises(Conflict):
        check_end_post(session, post, end_date=DAY, reason="again", actor=ACTOR)


def test_a_post_ended_at_half_past_midnight_in_beijing_ends_that_local_day(
    session, grid_and_people
) -> None:
    _tree, grid, people = grid_and_people
    post = check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_member",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    local_day = dt.date(2026, 12, 1)
    # 00:30 on 1 December in Beijing is still 30 November (16:30) in UTC.
    with clock.frozen(dt.datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))):
        with pytest.raises(ValidationFailed) as info:
            tomorrow = local_day + dt.timedelta(days=1)
            check_end_post(session, post, end_date=tomorrow, reason="x", actor=ACTOR)
        assert "end_date" in info.value.fields
        check_end_post(session, post, end_date=local_day, reason="resigned", actor=ACTOR)
        other = check_start_post(
            session,
            resident_id=people[1].id,
            post_type="grid_member",
            territory_code=grid.code,
            start_date=DAY,
            actor=ACTOR,
        )
        check_record_death(session, people[1], occurred_on=clock.today(), actor=ACTOR)
    assert post.end_date == local_day
    assert other.end_date == local_day  # the death, dated the local day, ended it that day


def test_a_deceased_resident_cannot_be_appointed(session, grid_and_people) -> None:
    _tree, grid, people = grid_and_people
    check_record_death(session, people[2], occurred_on=DAY, actor=ACTOR)
    with pytest.raises(ValidationFailed) as info:
        check_start_post(
            session,
            resident_id=people[2].id,
            post_type="grid_leader",
            territory_code=grid.code,
            start_date=DAY,
            actor=ACTOR,
        )
    assert "resident_id" in info.value.fields


def test_death_ends_the_residents_posts(session, grid_and_people) -> None:
    _tree, grid, people = grid_and_people
    post = check_start_post(
        session,
        resident_id=people[0].id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    later = DAY + dt.timedelta(days=10)
    check_record_death(session, people[0], occurred_on=later, actor=ACTOR)
    assert post.end_date == later and "deceased" in post.end_reason
    assert current_holder(session, post_type="grid_leader", territory_code=grid.code) is None


def test_moving_away_ends_the_residents_posts_and_the_event_names_them(
    session, grid_and_people
) -> None:
    _tree, grid, people = grid_and_people
    post = check_start_post(
        session,
        resident_id=people[1].id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=DAY,
        actor=ACTOR,
    )
    later = DAY + dt.timedelta(days=3)
    check_record_move_out(session, people[1], occurred_on=later, actor=ACTOR)
    assert post.end_date == later and "moved out" in post.end_reason
    event = session.scalars(
        select(RegistryEvent).where(
            RegistryEvent.resident_id == people[1].id, RegistryEvent.kind == "moved_out"
        )
    ).one()
    assert event.details["posts_ended"] == [post.id]
