"""Migration 0020 on a populated database: a roll-call confirmed before keeps its rows, the
CLI's "leader" rows become "system", a user's stay "leader"; the new confirmer codes are
accepted after it and refused before it; cases get roll_call_id; and back down again
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from gridgov.database import migrate

AT = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
TOWN, VILLAGE = "350305108", "350305108201"


def _filled(table: sa.Table, **given: Any) -> dict[str, Any]:
    """``given``, and a plain value for every other required column."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = dict
        row[column.name] = {
            bool: False,
            int: 0,
            float: 0.0,
            dt.datetime: AT,
            dt.date: AT.date(),
            dict: {},
            list: [],
        }.get(kind, "x")
    return row


def _tables(connection: sa.Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    names = ("territories", "households", "roll_calls", "roll_call_households")
    tables = {name: sa.Table(name, metadata, autoload_with=connection) for name in names}
    tables["confirmations"] = sa.Table(
        "roll_call_confirmations", metadata, autoload_with=connection
    )
    return tables


def _confirmation(tables, confirmation_id: str, confirmer: str, by: str) -> dict[str, Any]:
    return _filled(
        tables["confirmations"],
        id=confirmation_id,
        roll_call_id="rc1",
        household_id="h1",
        status="safe_at_home",
        method="phone",
        confirmer=confirmer,
        confirmed_by=by,
        confirmed_at=AT,
        received_at=AT,
        stands=True,
    )


def _confirmers(connection: sa.Connection) -> dict[str, str]:
    table = _tables(connection)["confirmations"]
    return dict(connection.execute(sa.select(table.c.id, table.c.confirmer)).all())


def test_confirmer_codes_before_and_after_0020(fresh_database) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, "0018")
    with engine.begin() as connection:
        t = _tables(connection)
        for code, level, parent in ((TOWN, "town", None), (VILLAGE, "village", TOWN)):
            connection.execute(
                t["territories"].insert(),
                [
                    _filled(
                        t["territories"],
                        id=code,
                        code=code,
                        level=level,
                        parent_code=parent,
                        name_zh=code,
                        status="active",
                    )
                ],
            )
        connection.execute(
            t["households"].insert(),
            [
                _filled(
                    t["households"],
                    id="h1",
                    territory_code=VILLAGE,
                    village_code=VILLAGE,
                    household_no="1",
                    status="active",
                )
            ],
        )
        connection.execute(
            t["roll_calls"].insert(),
            [_filled(t["roll_calls"], id="rc1", territory_code=TOWN, kind="typhoon", state="open")],
        )
        connection.execute(
            t["confirmations"].insert(),
            [
                _confirmation(t, "c-cli", "leader", "cli:ops"),
                _confirmation(t, "c-user", "leader", "user:wang"),
            ],
        )
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        t = _tables(connection)
        connection.execute(t["confirmations"].insert(), [_confirmation(t, "c0", "system", "x")])
    migrate.upgrade(engine)
    with engine.begin() as connection:
        assert _confirmers(connection) == {"c-cli": "system", "c-user": "leader"}
        t = _tables(connection)
        connection.execute(
            t["confirmations"].insert(),
            [_confirmation(t, "c-town", "town_official", "user:li")],
        )
        cases = sa.Table("cases", sa.MetaData(), autoload_with=connection)
        assert "roll_call_id" in cases.columns
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        t = _tables(connection)
        connection.execute(t["confirmations"].insert(), [_confirmation(t, "c9", "boss", "x")])
    migrate.downgrade(engine, "0018")
    with engine.begin() as connection:
        assert set(_confirmers(connection).values()) == {"leader"}
        cases = sa.Table("cases", sa.MetaData(), autoload_with=connection)
        assert "roll_call_id" not in cases.columns
