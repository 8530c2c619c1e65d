"""Personal fields at rest: ciphertext in the columns, keyed hashes for lookup, rotation."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gridgov import crypto
from gridgov.cli.main import app
from gridgov.database import migrate
from gridgov.database.key_rotation import do_reencrypt_encrypted_columns
from gridgov.settings import Settings
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

RAW = text("SELECT id_number, phone, id_number_hash, phone_hash FROM residents WHERE id = :id")


def _raw(session, resident_id: str):
    return session.execute(RAW, {"id": resident_id}).one()


def test_columns_hold_no_plaintext_and_the_orm_reads_it_back(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    id_number, phone = resident.id_number, resident.phone
    raw = _raw(session, resident.id)
    assert id_number not in raw.id_number and phone not in raw.phone
    assert id_number[-4:] not in raw.id_number.split(":", 2)[2]  # not even a visible tail
    assert raw.id_number.startswith(f"v1:{crypto.key_ring().current_id}:")
    assert raw.id_number_hash == crypto.keyed_hash(id_number) != id_number
    session.expire_all()
    reloaded = session.get(type(resident), resident.id)
    assert (reloaded.id_number, reloaded.phone) == (id_number, phone)


def test_changing_a_value_moves_its_hash(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    resident.phone = "13900000001"
    session.flush()
    assert _raw(session, resident.id).phone_hash == crypto.keyed_hash("13900000001")


def test_rotation_reencrypts_under_the_new_first_key(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    residents = [make_resident(session, household=household) for _ in range(2)]
    old = crypto.key_ring()
    settings = Settings(encryption_keys=f"{crypto.new_encryption_key()},{old_keys()}")
    rotated = crypto.key_ring_for(settings)
    rotation = do_reencrypt_encrypted_columns(session, ring=rotated)
    assert rotation.by_key == {old.current_id: 4}  # two ID numbers and two phones
    assert rotation.by_column == {"residents.id_number": 2, "residents.phone": 2}
    for resident in residents:
        raw = _raw(session, resident.id)
        assert raw.id_number.startswith(f"v1:{rotated.current_id}:")
        assert rotated.decrypt(raw.id_number) == resident.id_number
        with pytest.raises(crypto.UndecryptableValue):
            old.decrypt(raw.id_number)  # the old ring lacks the new key
    assert do_reencrypt_encrypted_columns(session, ring=rotated).total == 0


def old_keys() -> str:
    return Settings().encryption_keys or ""


def test_keys_rotate_command_reports_nothing_to_do_when_current(session, cli_bound) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    session.commit()
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 0 value(s)" in result.output


def test_production_refuses_missing_or_weak_keys(tmp_path) -> None:
    production = {"environment": "production", "data_dir": tmp_path}
    with pytest.raises(crypto.InsecureSettings, match="GRIDGOV_SECRET_KEY"):
        crypto.key_ring_for(Settings(**production, secret_key=None, encryption_keys=None))
    with pytest.raises(crypto.InsecureSettings, match="at least"):
        crypto.key_ring_for(Settings(**production, secret_key="short"))
    with pytest.raises(crypto.InsecureSettings):
        crypto.key_ring_for(Settings(**production, encryption_keys="k1:bm90MzJieXRlcw=="))
    assert not (tmp_path / "secrets.json").exists()


def test_development_generates_private_keys_once(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=None, encryption_keys=None)
    first = crypto.key_ring_for(settings)
    mode = (tmp_path / "secrets.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    second = crypto.key_ring_for(settings)
    assert second.decrypt(first.encrypt("350305200301010013")) == "350305200301010013"


def test_migration_encrypts_existing_plaintext_and_downgrade_restores_it(fresh_database):
    engine = fresh_database.engine
    migrate.upgrade(engine, "0001")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        for code, level, parent in (
            ("350305", "district", None),
            ("350305108", "town", "350305"),
            ("350305108201", "village", "350305108"),
        ):
            connection.execute(
                text(
                    "INSERT INTO territories (id, code, level, parent_code, name_zh, name_en, "
                    "status, created_at, updated_at, updated_by, version) VALUES "
                    "(:c, :c, :l, :p, 'x', 'x', 'active', :t, :t, 'test', 1)"
                ),
                {"c": code, "l": level, "p": parent, "t": now},
            )
        connection.execute(
            text(
                "INSERT INTO households (id, village_code, territory_code, household_no, address,"
                " status, created_at, updated_at, updated_by, version) VALUES ('h1',"
                " '350305108201', '350305108201', '1', 'a', 'active', :t, :t, 'test', 1)"
            ),
            {"t": now},
        )
        connection.execute(
            text(
                "INSERT INTO residents (id, household_id, territory_code, name, sex, birth_date,"
                " id_number, phone, relation_to_head, residence_status, created_at, updated_at,"
                " updated_by, version) VALUES ('r1', 'h1', '350305108201', 'n', 'male',"
                " '2003-01-01', '350305200301010013', '13812345678', 'head', 'living_here',"
                " :t, :t, 'test', 1)"
            ),
            {"t": now},
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        raw = connection.execute(RAW, {"id": "r1"}).one()
    assert raw.id_number.startswith("v1:") and "350305200301010013" not in raw.id_number
    assert crypto.decrypt(raw.phone) == "13812345678"
    assert raw.id_number_hash == crypto.keyed_hash("350305200301010013")
    migrate.downgrade(engine, "0001")
    with engine.connect() as connection:
        restored = connection.execute(text("SELECT id_number, phone FROM residents")).one()
    assert tuple(restored) == ("350305200301010013", "13812345678")
