"""The one source of time. Tests freeze it with :func:`frozen`."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    global _frozen  # noqa: PLW0603 - the clock is process-wide by design
    if at.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
