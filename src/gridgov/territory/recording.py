"""Where the territory's set-based writes are audited (a hook).

The audit log stands above the territory: its ORM listener sees the territory's ORM writes
on its own, but not the batches that :mod:`gridgov.territory.actions` writes with Core
statements. Those hand their rows here, and the audit package's bulk entry point
(:func:`gridgov.audit.recorder.record_bulk`, installed by :mod:`gridgov.database.hooks`)
writes the entries its listener would have written for the same changes made row by row.
A batch written with no recorder installed is refused rather than left unaudited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.orm import Session

RowChange = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]


class BulkRecorder(Protocol):
    def __call__(
        self,
        session: Session,
        table: Table,
        rows_before_after: Iterable[RowChange],
        *,
        actor: str | None = None,
    ) -> int: ...


_recorders: list[BulkRecorder] = []


def set_bulk_recorder(recorder: BulkRecorder) -> None:
    """Audit the territory's batches with ``recorder`` (setting it again replaces it)."""
    _recorders[:] = [recorder]


def record_rows(
    session: Session, table: Table, rows_before_after: Iterable[RowChange], *, actor: str
) -> None:
    """Audit rows a batch wrote: ``(None, row)`` created, ``(before, after)`` updated."""
    if not _recorders:
        raise RuntimeError(
            "no audit recorder is installed for territory batches: build sessions with "
            "gridgov.database.sessions.session_factory"
        )
    _recorders[0](session, table, rows_before_after, actor=actor)
