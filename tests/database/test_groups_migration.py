"""Migration 0011: the villages that exist get their group and their leaders' group, with
the members the registry, the posts and the role assignments give them (SQLite and
PostgreSQL): the same members the hooks give a village created after it."""

from __future__ import annotations

import sqlalchemy as sa

from gridgov.database import migrate
from gridgov.database.sessions import session_factory
from gridgov.groups.models import Group, GroupMember
from tests.factories.access import make_user
from tests.factories.groups import make_world


def _memberships(engine: sa.Engine) -> set[tuple[str, str, str, str]]:
    with session_factory(engine)() as session:
        rows = session.execute(
            sa.select(Group.kind, Group.territory_code, GroupMember.user_id, GroupMember.source)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.left_at.is_(None))
        )
        return {tuple(row) for row in rows}


def test_existing_villages_get_their_groups_and_members(fresh_database) -> None:
    engine = fresh_database.migrate().engine
    with session_factory(engine)() as session, session.begin():
        world = make_world(session, villages=2, grids=1, units=1)
        make_user(session, role="village_secretary", territory_code=world.village(0).code)
    by_hooks = _memberships(engine)
    assert {kind for kind, *_ in by_hooks} == {"village", "leaders"}
    assert len(by_hooks) == 2 * (4 + 2) + 2  # 4 people a village, 2 leaders; the secretary

    migrate.downgrade(engine, "0010")  # as if the villages were there before groups were
    with engine.connect() as connection:
        assert "groups" not in sa.inspect(connection).get_table_names()
    migrate.upgrade(engine)
    assert _memberships(engine) == by_hooks
    with session_factory(engine)() as session:
        names = set(session.scalars(sa.select(Group.name)))
    assert names == {"测试1村群", "测试1村干部群", "测试2村群", "测试2村干部群"}
