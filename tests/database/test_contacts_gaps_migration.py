"""Migration 0017 on a populated database: visits recorded before keep their rows (no key,
and keyless visits never clash); a key is unique per owner afterwards; contact_summaries
exists (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gridgov.database import migrate

AT = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def _visit(visit_id: str, **extra: object) -> dict[str, object]:
    return {
        "id": visit_id,
        "territory_code": "35030510820100101",
        "visited_on": AT.date(),
        "method": "home_visit",
        "disputes": 0,
        "requests": 0,
        "suggestions": 0,
        "other_matters": 0,
        "matters_text": "",
        "hazards": [],
        "follow_up": False,
        "recorded_by": "test",
        "created_at": AT,
        "version": 1,
        **extra,
    }


def test_visits_before_0018_are_kept_and_keys_are_unique_after(fresh_database) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, "0017")
    with engine.begin() as connection:
        visits = sa.Table("visits", sa.MetaData(), autoload_with=connection)
        connection.execute(visits.insert(), [_visit("v1"), _visit("v2")])
    migrate.upgrade(engine)
    with engine.begin() as connection:
        visits = sa.Table("visits", sa.MetaData(), autoload_with=connection)
        rows = connection.execute(
            sa.select(visits.c.id, visits.c.idempotency_owner, visits.c.idempotency_key).order_by(
                visits.c.id
            )
        ).all()
        assert [tuple(row) for row in rows] == [("v1", None, None), ("v2", None, None)]
        keyed = {"idempotency_owner": "user:u1", "idempotency_key": "k"}
        connection.execute(visits.insert(), [_visit("v3", **keyed)])
        connection.execute(
            visits.insert(), [_visit("v4", idempotency_owner="user:u2", idempotency_key="k")]
        )
        summaries = sa.Table("contact_summaries", sa.MetaData(), autoload_with=connection)
        assert {c.name for c in summaries.columns} >= {"village_code", "month", "message_id"}
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(visits.insert(), [_visit("v5", **keyed)])
