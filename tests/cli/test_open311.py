from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.open311.keys import find_active_key

pytestmark = pytest.mark.usefixtures("cli_bound")
runner = CliRunner()


def _listed(session) -> dict[str, dict]:
    session.expire_all()
    result = runner.invoke(app, ["open311", "keys", "list", "--json"])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_create_prints_the_key_once_as_the_last_word(session) -> None:
    created = runner.invoke(app, ["open311", "keys", "create", "--name", "fixmystreet"])
    assert created.exit_code == 0, created.output
    key = created.stdout.split()[-1]
    assert find_active_key(session, key) is not None
    listed = _listed(session)
    assert set(listed) == {"fixmystreet"}
    assert listed["fixmystreet"]["revoked_at"] is None
    assert listed["fixmystreet"]["created_by"].startswith("cli:")
    assert key not in json.dumps(listed)
    table = runner.invoke(app, ["open311", "keys", "list"])
    assert table.exit_code == 0 and "fixmystreet" in table.stdout and key not in table.stdout


def test_revoke_stops_the_key_and_names_are_not_reused(session) -> None:
    created = runner.invoke(app, ["open311", "keys", "create", "--name", "old-app"])
    key = created.stdout.split()[-1]
    revoked = runner.invoke(app, ["open311", "keys", "revoke", "old-app"])
    assert revoked.exit_code == 0, revoked.output
    session.expire_all()
    assert find_active_key(session, key) is None
    assert _listed(session)["old-app"]["revoked_at"].endswith("+08:00")
    again = runner.invoke(app, ["open311", "keys", "create", "--name", "old-app"])
    assert again.exit_code == 1
    assert "exists already" in again.stderr


def test_revoking_an_unknown_key_fails_in_one_line() -> None:
    result = runner.invoke(app, ["open311", "keys", "revoke", "nobody"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["error: no Open311 key is named 'nobody'"]
