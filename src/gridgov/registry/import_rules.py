"""Row-by-row field checks of an import, in plain Python (pure: no database here).

The rules are :mod:`gridgov.registry.validation`'s and :mod:`gridgov.validation`'s; this
module applies them to text cells, records every problem of a row (not just the first), and
remembers verdicts that many rows share (an ID number's region and birth date, a phone's
prefix), because a file of 400,000 residents should not pay for the same lookup 400,000 times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple, Protocol

from stdnum.cn import ric

from gridgov.registry.validation import (
    clean_birth_date,
    clean_id_number,
    clean_mobile_phone,
    clean_relation,
    clean_residence_status,
    clean_sex,
    id_number_disagreement,
)
from gridgov.validation import FieldProblem, clean_lon_lat, clean_text, text_problem

_UNKNOWN = object()

# The platform's input rule (gridgov.validation.text_problem), applied to every cell:
# multi-line text (an address) may hold tabs and line breaks, no other cell may.
MULTI_LINE_COLUMNS = frozenset({"address"})


class Problems(Protocol):
    """Whatever collects problems."""

    def add(self, line: int, field: str, reason: str) -> None: ...


class RowReader:
    """Reads one row's cells, recording a problem for each bad or missing one."""

    __slots__ = ("line", "missing_columns", "problems", "refused", "row")

    def __init__(
        self,
        line: int,
        row: Mapping[str, str | None],
        problems: Problems,
        missing_columns: Collection[str],
    ) -> None:
        self.line, self.row, self.problems = line, row, problems
        # A column missing from the header is reported once, not on every row.
        self.missing_columns = missing_columns
        self.refused: set[str] = set()  # cells refused for their characters, reported once

    def raw(self, name: str) -> str | None:
        """The cell's text, stripped; None when it is empty or refused for its characters."""
        value = self.row.get(name)
        if value is None or name in self.refused:
            return None
        if not isinstance(value, str):  # rows made by code may hold numbers or dates
            value = str(value)
        value = value.strip()
        refused = text_problem(value, multi_line=name in MULTI_LINE_COLUMNS)
        if refused is not None:
            self.refused.add(name)
            self.problem(name, refused)
            return None
        return value or None

    def problem(self, name: str, reason: str) -> None:
        self.problems.add(self.line, name, reason)

    def required(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None and name not in self.missing_columns and name not in self.refused:
            self.problem(name, "required")
        return value

    def cleaned(
        self, name: str, clean: Callable[[str], str], *, required: bool = True
    ) -> str | None:
        value = self.required(name) if required else self.raw(name)
        if value is None:
            return None
        try:
            return clean(value)
        except FieldProblem as exc:
            self.problem(name, exc.why)
            return None

    def text(
        self, name: str, max_length: int, *, required: bool = True, multi_line: bool = False
    ) -> str | None:
        return self.cleaned(
            name,
            lambda v: clean_text(v, max_length=max_length, multi_line=multi_line),
            required=required,
        )

    def number(self, name: str) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            self.problem(name, "not a number")
            return None

    def date(self, name: str) -> dt.date | None:
        value = self.required(name)
        if value is None:
            return None
        # Strictly YYYY-MM-DD: 01/02/1990 means different days in different countries.
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(name, "a date is written YYYY-MM-DD")
        return None


class HouseholdFields(NamedTuple):
    line: int
    village_code: str | None
    household_no: str | None
    address: str | None
    unit_code: str | None
    lon: float | None
    lat: float | None


def household_fields(reader: RowReader) -> HouseholdFields:
    lon_text, lat_text = reader.raw("lon"), reader.raw("lat")
    lon, lat = reader.number("lon"), reader.number("lat")
    unreadable = (
        (lon_text is not None and lon is None)
        or (lat_text is not None and lat is None)
        or not reader.refused.isdisjoint(("lon", "lat"))
    )
    if not unreadable:  # an unreadable number is reported already
        for name, why in clean_lon_lat(lon, lat).items():
            reader.problem(name, why)
    return HouseholdFields(
        line=reader.line,
        village_code=reader.required("village_code"),
        household_no=reader.text("household_no", 32),
        address=reader.text("address", 255, multi_line=True),
        unit_code=reader.raw("unit_code"),
        lon=lon,
        lat=lat,
    )


class ResidentFields(NamedTuple):
    line: int
    village_code: str | None
    household_no: str | None
    name: str | None
    sex: str | None
    birth_date: dt.date | None
    id_number: str | None
    phone: str | None
    relation_to_head: str | None
    residence_status: str | None
    key_groups: tuple[str, ...]


def resident_fields(
    reader: RowReader, *, key_groups: Collection[str], today: dt.date
) -> ResidentFields:
    sex = reader.cleaned("sex", clean_sex)
    birth_date = reader.date("birth_date")
    if birth_date is not None:
        try:
            birth_date = clean_birth_date(birth_date, today=today)
        except FieldProblem as exc:
            reader.problem("birth_date", exc.why)
            birth_date = None
    id_number = reader.cleaned("id_number", clean_id_number_fast, required=False)
    if id_number is not None and birth_date is not None and sex is not None:
        disagreement = id_number_disagreement_fast(id_number, birth_date=birth_date, sex=sex)
        for name, why in disagreement.items():
            reader.problem(name, why)
    return ResidentFields(
        line=reader.line,
        village_code=reader.required("village_code"),
        household_no=reader.required("household_no"),
        name=reader.text("name", 64),
        sex=sex,
        birth_date=birth_date,
        id_number=id_number,
        phone=reader.cleaned("phone", clean_mobile_phone_fast, required=False),
        relation_to_head=reader.cleaned("relation_to_head", clean_relation),
        residence_status=reader.cleaned("residence_status", clean_residence_status)
        if reader.raw("residence_status") is not None
        else "living_here",
        key_groups=_key_groups(reader, key_groups),
    )


def _key_groups(reader: RowReader, known: Collection[str]) -> tuple[str, ...]:
    value = reader.raw("key_groups")
    if value is None:
        return ()
    codes = list(dict.fromkeys(c.strip() for c in value.replace("；", ";").split(";")))
    codes = [code for code in codes if code]
    unknown = [code for code in codes if code not in known]
    if unknown:
        reader.problem("key_groups", f"unknown key group {', '.join(unknown)}")
    return tuple(code for code in codes if code in known)


# --- remembered verdicts -----------------------------------------------------------------

_id_verdicts: dict[str, str | None] = {}
_phone_verdicts: dict[str, str | None] = {}
_VERDICT_LIMIT = 200_000  # bounded memory in a long-running server


def _remembered(cache: dict[str, str | None], key: str, check: Callable[[], object]) -> None:
    verdict = cache.get(key, _UNKNOWN)
    if verdict is _UNKNOWN:
        try:
            check()
            verdict = None
        except FieldProblem as exc:
            verdict = exc.why
        if len(cache) >= _VERDICT_LIMIT:
            cache.clear()
        cache[key] = verdict
    if verdict is not None:
        raise FieldProblem(str(verdict))


def clean_id_number_fast(value: str) -> str:
    """:func:`clean_id_number`, remembering the verdict on region code + birth year.

    Once the check digit is right and the birth date is a real date, what stdnum still
    checks (that the region code existed in the birth year) depends on the first 10
    characters only. Anything unusual takes the rule itself, for its exact reason.
    """
    number = value.strip().upper()
    if (
        len(number) == 18
        and number.isascii()
        and number[:17].isdigit()
        and ric.calc_check_digit(number) == number[17]
        and _is_real_date(number[6:14])
    ):
        _remembered(_id_verdicts, number[:10], lambda: clean_id_number(number))
        return number
    return clean_id_number(value)


def _is_real_date(yyyymmdd: str) -> bool:
    try:
        dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return True


def clean_mobile_phone_fast(value: str) -> str:
    """:func:`clean_mobile_phone`, remembering the verdict on the first 6 digits.

    For 11 plain digits starting 13-19, phonenumbers' mainland mobile pattern decides on
    at most the first 5 digits (the rest is any 6 digits). 11, 12 and 179 are carrier
    prefixes that the parser may strip, so they and other spellings take the slow path.
    """
    if (
        len(value) == 11
        and value.isascii()
        and value.isdigit()
        and value[0] == "1"
        and value[1] >= "3"
        and not value.startswith("179")
    ):
        _remembered(_phone_verdicts, value[:6], lambda: clean_mobile_phone(value))
        return value
    return clean_mobile_phone(value)


_disagreements: dict[tuple[str, bool, dt.date, str], dict[str, str]] = {}


def id_number_disagreement_fast(id_number: str, *, birth_date: dt.date, sex: str) -> dict[str, str]:
    """:func:`id_number_disagreement`, remembered: it reads only the ID number's birth
    date (characters 7-14) and its sex digit (the 17th)."""
    key = (id_number[6:14], id_number[16] in "13579", birth_date, sex)
    found = _disagreements.get(key)
    if found is None:
        if len(_disagreements) >= _VERDICT_LIMIT:
            _disagreements.clear()
        found = _disagreements[key] = id_number_disagreement(
            id_number, birth_date=birth_date, sex=sex
        )
    return dict(found)
