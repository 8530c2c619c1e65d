"""`gridgov backup` and `gridgov restore` on SQLite and PostgreSQL: a round trip gives the
same rows (counts and per-table checksums) and the same photos; the refusals; the keys
only with --with-keys, under a passphrase."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from gridgov.cases.photos import check_add_photo
from gridgov.cli.main import app
from gridgov.database.backup.checksums import table_digests
from gridgov.database.backup.manifest import MANIFEST_NAME
from gridgov.database.sessions import session_factory
from tests.cases.case_world import make_world, report
from tests.conftest import Database

runner = CliRunner()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _populate(database: Database, data_dir: Path) -> Path:
    """A village with people and a reported case holding a photo; the photo's file."""
    with session_factory(database.engine)() as session, session.begin():
        world = make_world(session)
        case = report(session, world)
        photo = check_add_photo(
            session,
            case,
            data=_png(),
            kind="report",
            data_dir=data_dir,
            max_bytes=100_000,
            actor="test",
        )
    return data_dir / photo.path


def _digests(database: Database) -> dict:
    with database.engine.connect() as connection:
        return table_digests(connection)


def wipe(database: Database) -> None:
    """The disaster: the database is gone (SQLite's file; PostgreSQL's schema, made anew)."""
    database.engine.dispose()
    if database.schema is None:
        path = Path(database.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{database.schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{database.schema}"')


def _gridgov(database: Database, data_dir: Path, *args: str):
    env = {"GRIDGOV_DATABASE_URL": database.url, "GRIDGOV_DATA_DIR": str(data_dir)}
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def source(fresh_database: Database) -> Database:
    return fresh_database.migrate()


def test_a_round_trip_restores_every_row_and_photo(source: Database, tmp_path: Path) -> None:
    photo = _populate(source, tmp_path / "data")
    photo_bytes = photo.read_bytes()
    before = _digests(source)
    assert before["cases"].rows == 1 and before["residents"].rows >= 2
    archive = tmp_path / "island.tar"

    made = _gridgov(source, tmp_path / "data", "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "keys not included" in made.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())
        assert tar.getnames()[0] == MANIFEST_NAME
        assert not any("keys" in name or "secrets" in name for name in tar.getnames())
    assert manifest["backend"] == source.backend
    assert manifest["created_at"] == "2026-11-30T09:00:00+08:00"  # the clock's time
    assert manifest["tables"]["cases"] == {"rows": 1, "sha256": before["cases"].sha256}
    assert list(manifest["photos"]) == [photo.relative_to(tmp_path / "data").as_posix()]
    assert archive.stat().st_mode & 0o077 == 0  # personal data: the owner's only

    wipe(source)
    restored_dir = tmp_path / "restored"
    done = _gridgov(source, restored_dir, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "row counts and checksums verified" in done.output
    assert "keys not included" in done.output and "same" in done.output
    assert _digests(source) == before
    restored_photo = restored_dir / photo.relative_to(tmp_path / "data")
    assert restored_photo.read_bytes() == photo_bytes

    # The target now holds data: refused without --force, replaced with it.
    again = _gridgov(source, restored_dir, "restore", str(archive))
    assert again.exit_code == 1 and "holds data" in again.output and "--force" in again.output
    forced = _gridgov(source, restored_dir, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert _digests(source) == before


@pytest.mark.postgresql
def test_postgres_restores_into_a_schema_of_another_name(tmp_path: Path) -> None:
    source = Database("postgresql", str(tmp_path)).migrate()
    target = Database("postgresql", str(tmp_path))
    try:
        _populate(source, tmp_path / "data")
        before = _digests(source)
        archive = tmp_path / "island.tar"
        assert _gridgov(source, tmp_path / "data", "backup", str(archive)).exit_code == 0
        # The dump's schema still exists beside the target: said, nothing touched.
        refused = _gridgov(target, tmp_path / "restored", "restore", str(archive))
        assert refused.exit_code == 1 and source.schema in refused.output
        source.drop()
        done = _gridgov(target, tmp_path / "restored", "restore", str(archive))
        assert done.exit_code == 0, done.output
        assert _digests(target) == before
    finally:
        target.drop()


def _rewrite_manifest(archive: Path, **changes: object) -> Path:
    """A copy of ``archive`` whose manifest says otherwise."""
    changed = archive.with_name("changed.tar")
    with tarfile.open(archive) as old, tarfile.open(changed, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == MANIFEST_NAME:
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return changed


def test_restore_refuses_another_format_or_a_newer_migration(
    source: Database, tmp_path: Path
) -> None:
    archive = tmp_path / "empty.tar"
    assert _gridgov(source, tmp_path / "data", "backup", str(archive)).exit_code == 0
    target = tmp_path / "target"
    other_format = _gridgov(source, target, "restore", str(_rewrite_manifest(archive, format=2)))
    assert other_format.exit_code == 1
    assert "backup format 2: this gridgov reads format 1 only" in other_format.output
    newer = _gridgov(source, target, "restore", str(_rewrite_manifest(archive, revision="9999")))
    assert newer.exit_code == 1
    assert "migration 9999, newer than this gridgov knows" in newer.output
    # A backup file is not overwritten, and a missing one is named.
    assert "exists" in _gridgov(source, tmp_path / "data", "backup", str(archive)).output
    assert "no backup file" in _gridgov(source, target, "restore", str(tmp_path / "no.tar")).output


def test_keys_only_with_the_flag_sealed_and_a_wrong_passphrase_restores_nothing(
    source: Database, tmp_path: Path
) -> None:
    _populate(source, tmp_path / "data")
    before = _digests(source)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    archive = tmp_path / "with-keys.tar"
    made = _gridgov(
        source,
        tmp_path / "data",
        "backup",
        "--with-keys",
        "--passphrase-file",
        str(passphrase),
        str(archive),
    )
    assert made.exit_code == 0, made.output
    assert "keys included, sealed" in made.output
    with tarfile.open(archive) as tar:
        sealed = tar.extractfile("keys.sealed.json").read()
    assert os.environ["GRIDGOV_SECRET_KEY"].encode() not in sealed  # sealed, not plain
    assert b"test1:" not in sealed

    wipe(source)
    wrong = tmp_path / "wrong"
    wrong.write_text("incorrect horse\n")
    restored_dir = tmp_path / "restored"
    refused = _gridgov(
        source, restored_dir, "restore", "--passphrase-file", str(wrong), str(archive)
    )
    assert refused.exit_code == 1
    assert "wrong passphrase" in refused.output
    assert not (restored_dir / "secrets.json").exists()
    assert _digests(source) == {}  # nothing restored

    done = _gridgov(
        source, restored_dir, "restore", "--passphrase-file", str(passphrase), str(archive)
    )
    assert done.exit_code == 0, done.output
    assert "keys included" in done.output
    assert _digests(source) == before
    keys_file = restored_dir / "secrets.json"
    assert json.loads(keys_file.read_text()) == {
        "secret_key": os.environ["GRIDGOV_SECRET_KEY"],
        "encryption_keys": os.environ["GRIDGOV_ENCRYPTION_KEYS"],
    }
    assert keys_file.stat().st_mode & 0o077 == 0


@pytest.mark.postgresql
def test_without_pg_dump_on_path_one_line_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Database("postgresql", str(tmp_path)).migrate()
    try:
        monkeypatch.setenv("PATH", str(tmp_path))
        answer = _gridgov(source, tmp_path / "data", "backup", str(tmp_path / "b.tar"))
    finally:
        source.drop()
    assert answer.exit_code == 1
    assert answer.output.strip().splitlines() == [
        "error: pg_dump not found on PATH: install the PostgreSQL client tools (of the "
        "server's version or newer)"
    ]
