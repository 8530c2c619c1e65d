"""Ending many posts at once (a division plan dissolving their nodes): the rules of ending
one, checked once for the batch; one audit entry per post."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.posts.actions import check_end_post, check_end_posts, check_start_post
from gridgov.posts.models import Post
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import ACTOR, make_tree

DAY = dt.date(2026, 1, 5)


@pytest.fixture
def posts(session) -> list[Post]:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    return [
        check_start_post(
            session,
            resident_id=make_resident(session, household=household).id,
            post_type="grid_leader",
            territory_code=grid.code,
            start_date=DAY,
            actor=ACTOR,
        )
        for grid in tree.all_grids()
    ]


def test_posts_end_together_each_audited(session, posts) -> None:
    ids = [post.id for post in posts]
    assert check_end_posts(
        session, ids, end_date=clock.today(), reason="plan 7", actor="cli:x"
    ) == sorted(ids)
    for post in posts:
        assert post.end_date == clock.today()  # the loaded rows read the new values
        assert post.end_reason == "plan 7 (cli:x)"
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == post.id, AuditEntry.action == "update")
        )
        assert entry.territory_code == post.territory_code and entry.actor == "cli:x"
        assert entry.changes == {
            "end_date": [None, clock.today().isoformat()],
            "end_reason": [None, "plan 7 (cli:x)"],
        }


def test_an_ended_post_in_the_batch_is_a_conflict_and_nothing_ends(session, posts) -> None:
    check_end_post(session, posts[0], end_date=DAY, reason="resigned", actor=ACTOR)
    with pytest.raises(Conflict, match="already ended"):
        check_end_posts(session, [p.id for p in posts], end_date=DAY, reason="x", actor=ACTOR)
    session.refresh(posts[1])
    assert posts[1].end_date is None


@pytest.mark.parametrize(
    ("end_date", "reason", "field"),
    [
        (DAY - dt.timedelta(days=1), "plan", "end_date"),  # before the posts started
        (None, "plan", "end_date"),  # tomorrow: in the future
        (DAY, "  ", "reason"),
        (DAY, "plan\x00", "reason"),
    ],
)
def test_bad_batch_fields_are_named(session, posts, end_date, reason, field) -> None:
    end_date = end_date or clock.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        check_end_posts(
            session, [p.id for p in posts], end_date=end_date, reason=reason, actor=ACTOR
        )
    assert field in refused.value.fields
    assert session.scalar(select(Post.id).where(Post.end_date.is_not(None))) is None


def test_an_unknown_post_is_not_found(session, posts) -> None:
    with pytest.raises(NotFound):
        check_end_posts(session, [posts[0].id, "nope"], end_date=DAY, reason="x", actor=ACTOR)
