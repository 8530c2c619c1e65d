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


def test_groups_of_nodes_retired_before_0021_are_archived(fresh_database) -> None:
    from gridgov import clock
    from gridgov.groups.actions import check_create_group
    from gridgov.registry.models import Household
    from gridgov.registry.moves import do_move_households
    from gridgov.territory.actions import check_retire_territory
    from tests.factories.access import ACTOR

    engine = fresh_database.migrate().engine
    with session_factory(engine)() as session, session.begin():
        world = make_world(session, villages=1, grids=1, units=2)
        first, second = world.tree.all_units()
        kept = check_create_group(session, territory_code=first.code, actor=ACTOR).id
        retired = check_create_group(session, territory_code=second.code, actor=ACTOR).id
        households = session.scalars(
            sa.select(Household.id).where(Household.territory_code == second.code)
        ).all()
        do_move_households(
            session, [(h, first.code) for h in households], occurred_on=clock.today(), actor=ACTOR
        )
        check_retire_territory(session, second, actor=ACTOR)
    migrate.downgrade(engine, "0018")
    with engine.begin() as connection:  # as a node retired before its groups were archived
        connection.execute(sa.text("UPDATE groups SET status = 'active'"))
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        statuses = dict(session.execute(sa.select(Group.id, Group.status)).all())
    assert statuses[retired] == "archived" and statuses[kept] == "active"
    assert list(statuses.values()).count("archived") == 1
