"""A day as a whole number (days since 2000-01-01), so that SQL can add a rhythm's days to
a date and compare on either database: SQLite through ``julianday``, PostgreSQL by date
subtraction (an integer there)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

JULIAN_2000 = 2451544.5  # julianday('2000-01-01')


class day_number(FunctionElement[int]):  # noqa: N801 (an SQL function's name)
    """``day_number(date_column)``: days since 2000-01-01."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - {JULIAN_2000} AS INTEGER)"


@compiles(day_number, "postgresql")
def _postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '2000-01-01')"


def number_of(day: dt.date) -> int:
    """The same number for a Python date."""
    return (day - dt.date(2000, 1, 1)).days
