"""Open311's parameters, read and checked; each refusal is a 400 naming the parameter.

- Text: no parameter holds a control character or U+202E (``validation.text_problem``);
  ``description`` and ``address_string`` may hold tab and line breaks.
- Dates: ISO 8601 with a timezone, from 1900-01-01 to 2199-12-31 (as the platform's dates).
  ``start_date`` and ``end_date`` span at most 90 days, as the specification caps them: an
  absent ``end_date`` is now, an absent ``start_date`` 90 days before the end.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable

from gridgov import clock
from gridgov.api.open311_errors import Open311Error
from gridgov.i18n import Message
from gridgov.registry.validation import clean_mobile_phone
from gridgov.validation import FieldProblem, text_problem

MULTILINE_FIELDS = frozenset({"description", "address_string"})
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
MAX_SPAN = dt.timedelta(days=90)


def refuse_control_characters(fields: Iterable[tuple[str, str]]) -> None:
    """400 naming the first parameter whose value holds a control character."""
    for name, value in fields:
        problem = text_problem(value, multi_line=name in MULTILINE_FIELDS)
        if problem is not None:
            raise Open311Error(400, f"{name}: {problem}")


def given(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def datetime_param(name: str, value: str | None) -> dt.datetime | None:
    text = given(value)
    if text is None:
        return None
    # An unencoded "+08:00" arrives as " 08:00" in a query string.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} needs a timezone (Z or an offset such as +08:00)")
    if not EARLIEST_DATE <= parsed.date() <= LATEST_DATE:
        raise Open311Error(400, f"{name} is between {EARLIEST_DATE} and {LATEST_DATE}")
    return parsed.astimezone(dt.UTC)


def date_range(
    start_date: str | None, end_date: str | None
) -> tuple[dt.datetime, dt.datetime | None]:
    """``(start, end)`` of GET requests (see the module's docstring); ``end`` stays None
    when not given, so that nothing newer is left out."""
    end = datetime_param("end_date", end_date)
    start = datetime_param("start_date", start_date) or (end or clock.now()) - MAX_SPAN
    if end is not None and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if (end or clock.now()) - start > MAX_SPAN:
        raise Open311Error(
            400,
            f"start_date and end_date span at most {MAX_SPAN.days} days "
            "(end_date is now when not given)",
        )
    return start, end


def whole(name: str, value: str | None, *, default: int, most: int) -> int:
    text = given(value)
    if text is None:
        return default
    digits = text.lstrip("0")
    if not text.isascii() or not text.isdigit() or not digits:
        raise Open311Error(400, f"{name} is a whole number from 1")
    if len(digits) > len(str(most)) or int(digits) > most:
        raise Open311Error(400, f"{name} is at most {most}")
    return int(digits)


def _coordinate(name: str, value: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise Open311Error(400, f"{name} is out of range")
    return number


def point(lat: str | None, long: str | None) -> tuple[float | None, float | None]:
    lat, long = given(lat), given(long)
    if lat is None and long is None:
        return None, None
    if lat is None or long is None:
        raise Open311Error(400, "a location needs both lat and long")
    return _coordinate("lat", lat, 90), _coordinate("long", long, 180)


def phone(value: str | None) -> str | None:
    text = given(value)
    if text is None:
        return None
    try:
        return clean_mobile_phone(text)
    except FieldProblem as exc:
        raise Open311Error(400, Message("phone: %(why)s", why=exc.why)) from None
