"""The backup file: a tar archive, manifest first, then the database, the photos and (only
when asked) the sealed keys. Written to a ``.part`` file readable by its owner only, renamed
into place when complete."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from gridgov.database.backup.manifest import (
    MANIFEST_NAME,
    PHOTOS_DIR,
    SEALED_KEYS_NAME,
    BackupRefused,
    Manifest,
)

CHUNK = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def photo_files(data_dir: Path) -> dict[str, Path]:
    """The case photos under the data directory by archive path (``photos/<case>/<file>``);
    a file still being written (``.part``) is left out."""
    root = data_dir / PHOTOS_DIR
    if not root.is_dir():
        return {}
    return {
        path.relative_to(data_dir).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix != ".part"
    }


def photo_digests(photos: dict[str, Path]) -> dict[str, str]:
    return {name: _sha256(path) for name, path in photos.items()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, *, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, mtime
    archive.addfile(info, io.BytesIO(data))


def write(
    target: Path,
    manifest: Manifest,
    *,
    database: Path,
    photos: dict[str, Path],
    sealed_keys: bytes | None,
    mtime: float,
) -> None:
    """Write the archive to ``target`` (refused if it exists)."""
    if target.exists():
        raise BackupRefused(f"{target} exists: name a new file")
    partial = target.with_name(target.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
            _add_bytes(tar, MANIFEST_NAME, manifest.to_json(), mtime=mtime)
            tar.add(database, arcname=manifest.database_file, recursive=False)
            for name, path in photos.items():
                tar.add(path, arcname=name, recursive=False)
            if sealed_keys is not None:
                _add_bytes(tar, SEALED_KEYS_NAME, sealed_keys, mtime=mtime)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


class BackupReader:
    """An open backup archive: its manifest, then its parts on demand."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.manifest = Manifest.from_json(self.read(MANIFEST_NAME))

    def read(self, name: str) -> bytes:
        try:
            member = self.archive.extractfile(name)
        except KeyError:
            member = None
        if member is None:
            raise BackupRefused(f"the backup has no {name}")
        with member:
            return member.read()

    def extract_database(self, directory: Path) -> Path:
        name = self.manifest.database_file
        member = self.archive.extractfile(name) if name in self.archive.getnames() else None
        if member is None:
            raise BackupRefused(f"the backup has no {name}")
        path = directory / PurePosixPath(name).name
        with member, path.open("wb") as handle:
            shutil.copyfileobj(member, handle, CHUNK)
        return path

    def extract_photos(self, data_dir: Path) -> int:
        """Write every photo under ``data_dir`` and check it against the manifest."""
        members = {member.name: member for member in self.archive.getmembers()}
        for name, expected in self.manifest.photos.items():
            parts = PurePosixPath(name).parts
            if parts[0] != PHOTOS_DIR or ".." in parts or PurePosixPath(name).is_absolute():
                raise BackupRefused(f"the backup names a photo outside {PHOTOS_DIR}/: {name}")
            member = self.archive.extractfile(members[name]) if name in members else None
            if member is None:
                raise BackupRefused(f"the backup has no {name}")
            with member:
                data = member.read()
            if hashlib.sha256(data).hexdigest() != expected:
                raise BackupRefused(f"photo {name} differs from the backup's manifest")
            path = data_dir.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(data)
            partial.replace(path)
        return len(self.manifest.photos)


@contextlib.contextmanager
def open_backup(path: Path) -> Iterator[BackupReader]:
    if not path.is_file():
        raise BackupRefused(f"no backup file at {path}")
    try:
        with tarfile.open(path, mode="r:*") as archive:
            yield BackupReader(archive)
    except tarfile.TarError as exc:
        raise BackupRefused(f"{path} is not a readable gridgov backup ({exc})") from exc
