"""Starting the CLI, or importing the partition package, loads no numpy, scipy, shapely or
matplotlib: only the commands that run the engine (or read geometry, or workbooks) do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "scipy", "shapely", "matplotlib")
SOURCE = str(Path(__file__).resolve().parents[2] / "src")


def heavy_modules_loaded_by(module: str) -> list[str]:
    script = (
        f"import sys, {module}\n"
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    environment = {**os.environ, "PYTHONPATH": SOURCE}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    return done.stdout.split()


@pytest.mark.parametrize("module", ["gridgov.cli.main", "gridgov.partition"])
def test_importing_loads_nothing_heavy(module: str) -> None:
    assert heavy_modules_loaded_by(module) == []


def test_the_engine_still_loads_them_when_it_runs() -> None:
    assert "scipy" in heavy_modules_loaded_by("gridgov.partition.algorithm")
