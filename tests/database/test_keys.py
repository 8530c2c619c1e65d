"""Keys bound to the data (issue 10, finding 7).

Started with another GRIDGOV_DATA_DIR on an existing database, `gridgov serve` generated new
development keys and wrote with them: personal reads answered 500, the duplicate check (a
keyed hash) was blind, and the resident it created broke every list on the right server.
Now the database records a check value per key id and one for the hash secret, and the
server, the worker and every command refuse other keys with one line, writing nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from gridgov import crypto
from gridgov.api.app import create_app
from gridgov.cli.main import app as cli
from gridgov.crypto import KeysMismatch
from gridgov.database.key_checks import KeyCheck
from gridgov.database.keys import bind_keys, keys_match
from gridgov.database.sessions import session_factory
from gridgov.registry.models import Resident
from gridgov.settings import Settings
from tests.factories.cases import make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

KEY_A = "keya:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
KEY_B = "keyb:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
SECRET_A, SECRET_B = "a" * 48, "b" * 48


@pytest.fixture
def no_keys_in_env(monkeypatch) -> None:
    """Keys come from the data directory's secrets.json, as in development."""
    monkeypatch.delenv("GRIDGOV_SECRET_KEY", raising=False)
    monkeypatch.delenv("GRIDGOV_ENCRYPTION_KEYS", raising=False)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in ("residents", "households", "key_checks", "audit_log")
        }


def _gridgov(database, data_dir, *args: str, **keys: str):
    environment = {"GRIDGOV_DATA_DIR": str(data_dir), "GRIDGOV_DATABASE_URL": database.url}
    environment |= {f"GRIDGOV_{name.upper()}": value for name, value in keys.items()}
    return CliRunner().invoke(cli, list(args), env=environment)


@pytest.fixture
def data_under_keys_a(fresh_database, tmp_path, no_keys_in_env) -> Iterator[dict]:
    """A database made by `gridgov db upgrade` in data dir A (development keys generated
    there), holding a resident whose ID number and phone are encrypted under them."""
    first_dir = tmp_path / "a"
    upgraded = _gridgov(fresh_database, first_dir, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert (first_dir / "secrets.json").exists()
    maker = session_factory(fresh_database.engine)
    with maker() as session, session.begin():  # written with the ring db upgrade bound
        tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
        resident = make_resident(
            session, household=make_household(session, unit=tree.all_units()[0])
        )
    yield {"db": fresh_database, "dir_a": first_dir, "resident": resident, "tree": tree}


def test_a_server_or_command_on_other_keys_refuses_to_start_and_writes_nothing(
    data_under_keys_a, tmp_path
) -> None:
    database = data_under_keys_a["db"]
    other_dir = tmp_path / "b"
    before = _counts(database.engine)
    for command in (["territory", "list"], ["worker", "--once"], ["keys", "rotate"]):
        refused = _gridgov(database, other_dir, *command)
        assert refused.exit_code == 1, (command, refused.output)
        [line] = refused.output.strip().splitlines()
        assert line.startswith("error: the keys at hand cannot decrypt this database")
        assert str(other_dir) in line and "gridgov keys" in line
    with pytest.raises(KeysMismatch, match="gridgov keys"):
        create_app(settings=Settings(data_dir=other_dir), engine=database.engine)
    assert not (other_dir / "secrets.json").exists()  # no development keys generated
    assert _counts(database.engine) == before  # nothing written
    # Back in the right data directory, everything starts.
    assert _gridgov(database, data_under_keys_a["dir_a"], "territory", "list").exit_code == 0
    create_app(settings=Settings(data_dir=data_under_keys_a["dir_a"]), engine=database.engine)


def test_wrong_keys_named_in_the_environment_are_refused_too(data_under_keys_a, tmp_path) -> None:
    database, dir_a = data_under_keys_a["db"], data_under_keys_a["dir_a"]
    stored = crypto.key_ring_for(Settings(data_dir=dir_a))
    [current] = stored.ciphers
    secrets = json.loads((dir_a / "secrets.json").read_text())
    cases = {
        "which the key ring lacks": {"secret_key": secrets["secret_key"], "encryption_keys": KEY_B},
        f"key {current} of the key ring is not the key": {
            "secret_key": secrets["secret_key"],
            "encryption_keys": f"{current}:{KEY_B.split(':')[1]}",
        },
        "GRIDGOV_SECRET_KEY is not the secret": {
            "secret_key": SECRET_B,
            "encryption_keys": secrets["encryption_keys"],
        },
    }
    for reason, keys in cases.items():
        refused = _gridgov(database, tmp_path / "elsewhere", "territory", "list", **keys)
        assert refused.exit_code == 1 and reason in refused.output, (reason, refused.output)
    # A new key first, the old one after it (a rotation): accepted, and recorded.
    rotating = {
        "secret_key": secrets["secret_key"],
        "encryption_keys": f"{KEY_B},{secrets['encryption_keys']}",
    }
    assert _gridgov(database, tmp_path / "x", "territory", "list", **rotating).exit_code == 0
    with session_factory(database.engine)() as session:
        recorded = set(session.scalars(select(KeyCheck.key_id)))
    assert recorded == {current, "keyb", "secret"}


def test_rotating_then_dropping_the_old_key(data_under_keys_a, tmp_path) -> None:
    database, dir_a = data_under_keys_a["db"], data_under_keys_a["dir_a"]
    secrets = json.loads((dir_a / "secrets.json").read_text())
    rotating = {
        "secret_key": secrets["secret_key"],
        "encryption_keys": f"{KEY_B},{secrets['encryption_keys']}",
    }
    rotated = _gridgov(database, tmp_path / "x", "keys", "rotate", **rotating)
    assert rotated.exit_code == 0, rotated.output
    assert "may leave GRIDGOV_ENCRYPTION_KEYS" in rotated.output
    only_new = {"secret_key": secrets["secret_key"], "encryption_keys": KEY_B}
    assert _gridgov(database, tmp_path / "x", "territory", "list", **only_new).exit_code == 0


def test_rotating_covers_the_case_reporters_contact_too(data_under_keys_a, tmp_path) -> None:
    """The reporter's phone and e-mail of a case are encrypted too: a rotation that skipped
    them left the old key in use, so it could never leave the ring."""
    database, dir_a = data_under_keys_a["db"], data_under_keys_a["dir_a"]
    with session_factory(database.engine)() as session, session.begin():
        case = make_case(
            session,
            unit=data_under_keys_a["tree"].all_units()[0],
            reporter_contact="13800138000",
            reporter_email="wei.lin@example.org",
        )
    secrets = json.loads((dir_a / "secrets.json").read_text())
    rotating = {
        "secret_key": secrets["secret_key"],
        "encryption_keys": f"{KEY_B},{secrets['encryption_keys']}",
    }
    rotated = _gridgov(database, tmp_path / "x", "keys", "rotate", **rotating)
    assert rotated.exit_code == 0, rotated.output
    assert "1 in cases.reporter_contact, 1 in cases.reporter_email" in rotated.output
    assert "may leave GRIDGOV_ENCRYPTION_KEYS" in rotated.output
    with database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT reporter_contact, reporter_email FROM cases WHERE id = :id"),
            {"id": case.id},
        ).one()
    assert all(value.startswith(f"{crypto.PREFIX}:keyb:") for value in stored)
    only_new = {"secret_key": secrets["secret_key"], "encryption_keys": KEY_B}
    assert _gridgov(database, tmp_path / "x", "territory", "list", **only_new).exit_code == 0


def test_a_database_bound_before_the_check_values_is_checked_against_its_data(
    fresh_database, tmp_path
) -> None:
    """A database from before migration 0008 has no check values: the data decides."""
    engine = fresh_database.migrate().engine
    with_a = Settings(data_dir=tmp_path, secret_key=SECRET_A, encryption_keys=KEY_A)
    ring_a = crypto.key_ring_for(with_a)
    crypto.use_key_ring(lambda: ring_a)
    with session_factory(engine)() as session, session.begin():
        tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
        make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    other_key = Settings(data_dir=tmp_path, secret_key=SECRET_A, encryption_keys=KEY_B)
    other_secret = Settings(data_dir=tmp_path, secret_key=SECRET_B, encryption_keys=KEY_A)
    assert "which the key ring lacks" in (keys_match(engine, crypto.key_ring_for(other_key)) or "")
    assert "GRIDGOV_SECRET_KEY" in (keys_match(engine, crypto.key_ring_for(other_secret)) or "")
    for wrong in (other_key, other_secret):
        with pytest.raises(KeysMismatch):
            bind_keys(engine, wrong)
    assert _counts(engine)["key_checks"] == 0
    bind_keys(engine, with_a)
    assert _counts(engine)["key_checks"] == 2  # key A and the hash secret
    assert keys_match(engine, ring_a) is None


def test_an_empty_database_takes_any_keys(fresh_database, tmp_path, no_keys_in_env) -> None:
    engine = fresh_database.migrate().engine
    assert keys_match(engine, None) is None
    ring = bind_keys(engine, Settings(data_dir=tmp_path))  # development keys generated
    assert (tmp_path / "secrets.json").exists()
    assert keys_match(engine, ring) is None
    assert keys_match(engine, None) == "the database records keys, and none are set"


def test_one_undecryptable_value_never_breaks_a_list(as_administrator, session, caplog) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    good, bad = (
        make_resident(session, household=household),
        make_resident(session, household=household),
    )
    foreign = crypto.key_ring_for(Settings(secret_key=SECRET_B, encryption_keys=KEY_B))
    session.execute(
        update(Resident)
        .where(Resident.id == bad.id)
        .values(id_number=text(":raw"))
        .execution_options(synchronize_session=False),
        {"raw": foreign.encrypt("350305198001010011")},
    )
    session.commit()
    session.expire_all()
    with caplog.at_level(logging.ERROR, logger="gridgov.crypto"):
        listed = as_administrator.get("/api/v1/residents", params={"household_id": household.id})
        revealed = as_administrator.get(
            "/api/v1/residents",
            params={"household_id": household.id, "reveal": "id_number", "reason": "checking"},
        )
        exported = as_administrator.get(
            "/api/v1/exports/residents.csv", params={"territory": tree.villages[0].code}
        )
    assert listed.status_code == revealed.status_code == exported.status_code == 200
    shown = {item["id"]: item["id_number"] for item in listed.json()["items"]}
    assert shown[bad.id] == crypto.UNDECRYPTABLE and "*" in shown[good.id]
    full = {item["id"]: item["id_number"] for item in revealed.json()["items"]}
    assert full == {good.id: good.id_number, bad.id: crypto.UNDECRYPTABLE}
    assert crypto.UNDECRYPTABLE in exported.text
    assert "cannot be decrypted (key id keyb)" in caplog.text
    assert session.scalar(select(func.count()).select_from(Resident)) >= 2
