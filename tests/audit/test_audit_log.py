from __future__ import annotations

import datetime as dt
import getpass
import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.audit.queries import search_audit
from gridgov.audit.recorder import record_bulk
from gridgov.cli.main import app
from gridgov.registry.importing import import_households
from gridgov.registry.models import Resident
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

runner = CliRunner()


def _entries(session, **filters):
    entries, _total = search_audit(session, limit=1000, **filters)
    return entries


def test_every_orm_write_is_recorded_with_actor_and_territory(session) -> None:
    session.info["actor"] = "test:clerk"
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    household = make_household(session, unit=unit)
    created = _entries(session, object_type="households", object_id=household.id)
    assert len(created) == 1
    entry = created[0]
    assert (entry.action, entry.actor, entry.territory_code) == ("create", "test:clerk", unit.code)
    assert entry.changes["household_no"] == [None, household.household_no]
    assert _entries(session, object_type="territories", object_id=unit.id)[0].action == "create"


def test_updates_record_changed_fields_with_personal_values_masked(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    created = _entries(session, object_type="residents", object_id=resident.id)[0]
    assert resident.id_number not in json.dumps(created.changes)
    assert created.changes["id_number"][1].count("*") == 8
    assert "id_number_hash" not in created.changes
    old_phone = resident.phone
    resident.phone = "13900000002"
    session.flush()
    update = _entries(session, object_type="residents", object_id=resident.id, action="update")
    assert len(update) == 1
    assert update[0].changes == {"phone": [f"{old_phone[:3]}****{old_phone[-4:]}", "139****0002"]}


def test_a_bulk_entry_is_the_entry_the_listener_writes_for_the_same_change(session) -> None:
    session.info["actor"] = "test:clerk"
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    old_phone, version = resident.phone, resident.version
    resident.phone = "13900000002"
    session.flush()
    listened = _entries(session, object_type="residents", object_id=resident.id, action="update")
    before = {
        "id": resident.id,
        "territory_code": resident.territory_code,
        "phone": old_phone,
        "phone_hash": "a",
        "version": version,
        "name": resident.name,
    }
    after = {
        "phone": "13900000002",
        "phone_hash": "b",  # skipped, as the listener skips it
        "version": version + 1,
        "name": resident.name,  # unchanged: not recorded
    }
    unchanged = ({"id": resident.id, "name": "x"}, {"name": "x"})
    written = record_bulk(
        session, Resident.__table__, [(before, after), unchanged], actor="test:clerk"
    )
    both = _entries(session, object_type="residents", object_id=resident.id, action="update")
    assert written == 1 and len(both) == 2
    keys = ("actor", "action", "object_type", "object_id", "territory_code", "changes")
    bulk = next(entry for entry in both if entry.id != listened[0].id)
    assert [getattr(bulk, key) for key in keys] == [getattr(listened[0], key) for key in keys]
    assert bulk.changes == {"phone": [f"{old_phone[:3]}****{old_phone[-4:]}", "139****0002"]}


def test_an_import_is_one_entry_not_one_per_row(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0].code
    rows = [
        (line, {"village_code": village, "household_no": f"N{line}", "address": f"路{line}号"})
        for line in range(2, 52)
    ]
    import_households(session, rows, actor="test:importer")
    imports = _entries(session, action="import")
    assert len(imports) == 1
    assert (imports[0].actor, imports[0].territory_code) == ("test:importer", village)
    assert imports[0].changes["rows"] == 50
    assert _entries(session, object_type="households", action="create") == []


def test_the_database_refuses_to_change_or_remove_entries(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    count = session.scalar(select(func.count()).select_from(AuditEntry))
    assert count > 0
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == count


def test_cli_writes_are_recorded_as_cli_user_and_searchable(session, cli_bound) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    session.commit()
    grid = tree.all_grids()[0].code
    started = runner.invoke(
        app,
        [
            "posts",
            "start",
            "--resident",
            resident.id,
            "--type",
            "grid_leader",
            "--territory",
            grid,
            "--start",
            "2026-01-05",
        ],
    )
    assert started.exit_code == 0, started.output
    actor = f"cli:{getpass.getuser()}"
    found = json.loads(
        runner.invoke(app, ["audit", "--actor", actor, "--object-type", "posts", "--json"]).output
    )
    assert found["total"] == 1
    assert found["items"][0]["territory_code"] == grid
    assert found["items"][0]["at"].endswith("+08:00")


def test_the_cli_shows_and_reads_times_in_gridgov_timezone(session, cli_bound) -> None:
    # 20:00 UTC on 30 November is 04:00 on 1 December in Beijing.
    with clock.frozen(dt.datetime(2026, 11, 30, 20, tzinfo=dt.UTC)):
        make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    session.commit()

    def search(*options: str, timezone: str | None = None) -> list[dict]:
        env = {"GRIDGOV_TIMEZONE": timezone} if timezone else {}
        command = ["audit", "--object-type", "territories", "--limit", "1", "--json", *options]
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["items"]

    assert search()[0]["at"] == "2026-12-01T04:00:00+08:00"
    assert search(timezone="UTC")[0]["at"] == "2026-11-30T20:00:00+00:00"
    # A bare date is the start of that local day: 1 December began at 16:00 UTC in Beijing.
    assert search("--until", "2026-12-01") == []
    assert len(search("--until", "2026-12-01", timezone="UTC")) == 1
    refused = runner.invoke(app, ["audit"], env={"GRIDGOV_TIMEZONE": "Mars/Olympus"})
    assert refused.exit_code == 1 and "unknown timezone 'Mars/Olympus'" in refused.output
