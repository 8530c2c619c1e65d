from __future__ import annotations

import pytest
from sqlalchemy import text

from gridgov.storage.engine import normalize_url


def test_plain_postgresql_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p@h:5432/db").startswith("postgresql+psycopg://u:p@")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_with_foreign_keys_and_wal(engine, backend) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
