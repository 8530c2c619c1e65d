"""Vendor the pages' JavaScript libraries from the npm registry (``npm pack``), with their
licences, and record each in a ``vendor.json`` beside them: name, version, licence, the
tarball's path on the registry and its integrity, and the SHA-256 of every file taken.

    python scripts/vendor_assets.py            # fetch the pinned versions, rewrite vendor.json
    tests/web/test_vendor.py                   # checks the files against vendor.json

No CDN: the package serves these files itself (src/gridgov/web/static/vendor); axe-core is
for the browser tests only (tests/web/vendor).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_VENDOR = ROOT / "src" / "gridgov" / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "web" / "vendor"

# (npm name, version, folder, files taken from the tarball's package/ directory)
PACKAGES = [
    ("htmx.org", "2.0.11", PACKAGE_VENDOR / "htmx", ["dist/htmx.min.js", "LICENSE"]),
    (
        "leaflet",
        "1.9.4",
        PACKAGE_VENDOR / "leaflet",
        [
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
            "LICENSE",
        ],
    ),
    ("echarts", "6.1.0", PACKAGE_VENDOR / "echarts", ["dist/echarts.min.js", "LICENSE", "NOTICE"]),
    ("axe-core", "4.14.1", TEST_VENDOR / "axe-core", ["axe.min.js", "LICENSE"]),
]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target(name: str) -> str:
    """Where a tarball file lands: dist/ dropped (dist/images/x.png -> images/x.png)."""
    return name.removeprefix("dist/")


def vendor(name: str, version: str, folder: Path, files: list[str], work: Path) -> dict:
    packed = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(packed.stdout)[0]
    with tarfile.open(work / info["filename"]) as tarball:
        tarball.extractall(work / name, filter="data")
    meta = json.loads((work / name / "package" / "package.json").read_text())
    shutil.rmtree(folder, ignore_errors=True)
    recorded = {}
    for source in files:
        target = folder / _target(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / name / "package" / source, target)
        recorded[_target(source)] = sha256_of(target)
    scoped = name.rsplit("/", maxsplit=1)[-1]
    return {
        "name": name,
        "version": version,
        "license": meta.get("license"),
        "folder": folder.name,
        # The tarball's path on the npm registry (npm pack NAME@VERSION fetches it).
        "tarball": f"{name}/-/{scoped}-{version}.tgz",
        "integrity": info["integrity"],
        "files": recorded,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        records: dict[Path, list[dict]] = {}
        for name, version, folder, files in PACKAGES:
            entry = vendor(name, version, folder, files, Path(tmp))
            records.setdefault(folder.parent, []).append(entry)
            print(f"{name} {version}: {len(files)} files into {folder.relative_to(ROOT)}")
    for base, entries in records.items():
        (base / "vendor.json").write_text(json.dumps(entries, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
