"""`gridgov importing ...`."""

from __future__ import annotations

from gridgov.cli.common import new_typer

app = new_typer("importing")
