"""The vendored JavaScript libraries are exactly the files vendor.json records (name,
version, licence, the npm tarball and the SHA-256 of each file), each with its licence."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gridgov.web.templating import STATIC_DIR

VENDOR_DIRS = [STATIC_DIR / "vendor", Path(__file__).resolve().parent / "vendor"]
ENTRIES = [
    (base, entry)
    for base in VENDOR_DIRS
    for entry in json.loads((base / "vendor.json").read_text(encoding="utf-8"))
]


def test_the_expected_libraries_are_vendored() -> None:
    names = {entry["name"]: entry["version"] for _base, entry in ENTRIES}
    assert names["htmx.org"].startswith("2.")
    assert names["leaflet"].startswith("1.9.")
    assert "echarts" in names
    assert "axe-core" in names


@pytest.mark.parametrize(("base", "entry"), ENTRIES, ids=[e["name"] for _b, e in ENTRIES])
def test_each_vendored_file_matches_its_recorded_sha256(base, entry) -> None:
    folder = base / entry["folder"]
    assert entry["license"] and entry["version"] and entry["integrity"].startswith("sha512-")
    assert (
        entry["tarball"]
        == f"{entry['name']}/-/{entry['name'].split('/')[-1]}-{entry['version']}.tgz"
    )
    assert any(name.startswith("LICENSE") for name in entry["files"]), "no licence file"
    for name, digest in entry["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(entry["files"]), "files not recorded in vendor.json"


def test_axe_core_is_not_in_the_package() -> None:
    assert not list(STATIC_DIR.rglob("axe*.js"))
