from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.database import migrate

runner = CliRunner()


@pytest.fixture
def cli_env(fresh_database, monkeypatch):
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", fresh_database.url)
    return fresh_database


def test_commands_refuse_an_unmigrated_database_naming_the_fix(cli_env) -> None:
    result = runner.invoke(app, ["posts", "list"])
    assert result.exit_code == 1
    assert "gridgov db upgrade" in result.output


def test_db_upgrade_then_current_then_check(cli_env) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(cli_env.engine) == migrate.head_revision()
    result = runner.invoke(app, ["db", "current"])
    assert f"database: {migrate.head_revision()}" in result.output
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["posts", "list", "--json"]).output.strip() == "[]"


def test_serve_binds_beyond_loopback_now_every_route_needs_a_token(cli_env, monkeypatch) -> None:
    served: list[tuple[str, int]] = []
    # Record the bind instead of blocking in a server loop.
    monkeypatch.setattr(
        "gridgov.cli.serve.uvicorn.run", lambda _app, host, port, **_: served.append((host, port))
    )
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == [("0.0.0.0", 8123)]
