"""Row counts and checksums of a database, read raw; what counts as an empty target."""

from __future__ import annotations

from sqlalchemy import text

from gridgov.cases.setup import seed_case_settings
from gridgov.database.backup.checksums import table_digests, tables_with_data
from gridgov.database.sessions import session_factory
from tests.factories.territory import make_tree


def test_a_database_with_only_what_db_upgrade_seeds_counts_as_empty(fresh_database) -> None:
    database = fresh_database.migrate()
    with session_factory(database.engine)() as session, session.begin():
        seed_case_settings(session, actor="test")
    with database.engine.connect() as connection:
        assert tables_with_data(connection) == []
    with session_factory(database.engine)() as session, session.begin():
        make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    with database.engine.connect() as connection:
        # a village comes with its grid groups (groups.actions.create_village_groups)
        assert tables_with_data(connection) == ["groups", "territories"]


def test_a_checksum_follows_the_rows_not_their_insertion_order(fresh_database) -> None:
    database = fresh_database.migrate()
    insert = text(
        "INSERT INTO calendar_days (day, is_workday, name, updated_by) VALUES "
        "(:day, :workday, :name, 'test')"
    )
    days = [
        {"day": "2026-10-01", "workday": False, "name": "国庆节"},
        {"day": "2026-10-10", "workday": True, "name": "调休"},
    ]
    with database.engine.begin() as connection:
        connection.execute(insert, days[::-1])
        first = table_digests(connection)["calendar_days"]
        connection.execute(text("DELETE FROM calendar_days"))
        connection.execute(insert, days)
        again = table_digests(connection)["calendar_days"]
        connection.execute(text("UPDATE calendar_days SET name = 'x' WHERE is_workday"))
        changed = table_digests(connection)["calendar_days"]
    assert first == again and first.rows == 2
    assert changed.rows == 2 and changed.sha256 != first.sha256
