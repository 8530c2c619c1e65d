"""Field rules of the registry (pure). The API, the importer and the demo all use these.

Each ``clean_*`` returns the normalized value or raises :class:`FieldProblem` with the
reason in words a village clerk understands.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from gridgov.registry.models import (
    HOUSEHOLD_STATUSES,
    RELATIONS,
    RESIDENCE_STATUSES,
    SEXES,
)


class FieldProblem(ValueError):
    """One field's value is unacceptable; the message says why."""


_ID_REASONS: dict[type[ValidationError], str] = {
    InvalidLength: "an ID number has 18 characters",
    InvalidFormat: "an ID number is 17 digits and a final digit or X",
    InvalidChecksum: "the check digit is wrong (mistyped?)",
    InvalidComponent: "the birth date or region code in the ID number is not valid",
}


def clean_id_number(value: str) -> str:
    """A valid mainland resident ID number (checksum, birth date, region), upper-cased."""
    try:
        return ric.validate(value)
    except ValidationError as exc:
        raise FieldProblem(_ID_REASONS.get(type(exc), "not a valid ID number")) from exc


def id_number_birth_date(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


def id_number_sex(id_number: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "male" if int(id_number[16]) % 2 == 1 else "female"


def id_number_disagreement(id_number: str, *, birth_date: dt.date, sex: str) -> dict[str, str]:
    """Fields that contradict a valid ID number, with why (empty when consistent)."""
    problems: dict[str, str] = {}
    encoded_birth = id_number_birth_date(id_number)
    if encoded_birth != birth_date:
        problems["birth_date"] = f"the ID number says {encoded_birth.isoformat()}"
    if id_number_sex(id_number) != sex:
        problems["sex"] = f"the ID number says {id_number_sex(id_number)}"
    return problems


def clean_mobile_phone(value: str) -> str:
    """A mainland China mobile number, as its 11 digits (``+86`` and separators dropped)."""
    text = re.sub(r"[\s\-()]", "", value)
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise FieldProblem("not a phone number") from exc
    national = str(parsed.national_number)
    if parsed.country_code != 86 or len(national) != 11:
        raise FieldProblem("a mainland mobile number has 11 digits starting with 1")
    kind = phonenumbers.number_type(parsed)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldProblem("not a valid mainland mobile number")
    return national


def clean_choice(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise FieldProblem(f"must be one of {', '.join(choices)}")
    return value


def clean_sex(value: str) -> str:
    return clean_choice(value, SEXES)


def clean_relation(value: str) -> str:
    return clean_choice(value, RELATIONS)


def clean_residence_status(value: str) -> str:
    return clean_choice(value, RESIDENCE_STATUSES)


def clean_household_status(value: str) -> str:
    return clean_choice(value, HOUSEHOLD_STATUSES)


def clean_birth_date(value: dt.date, *, today: dt.date) -> dt.date:
    if value > today:
        raise FieldProblem("a birth date cannot be in the future")
    if value.year < 1890:
        raise FieldProblem("a birth date before 1890 is not plausible")
    return value


def clean_lon_lat(lon: float | None, lat: float | None) -> dict[str, str]:
    """Problems with a location point, by field (both or neither must be given)."""
    problems: dict[str, str] = {}
    if (lon is None) != (lat is None):
        problems["lon" if lon is None else "lat"] = "give lon and lat together, or neither"
        return problems
    if lon is not None and not -180 <= lon <= 180:
        problems["lon"] = "longitude is between -180 and 180"
    if lat is not None and not -90 <= lat <= 90:
        problems["lat"] = "latitude is between -90 and 90"
    return problems


def clean_text(value: str, *, max_length: int, field_words: str = "this field") -> str:
    text = value.strip()
    if not text:
        raise FieldProblem(f"{field_words} cannot be empty")
    if len(text) > max_length:
        raise FieldProblem(f"at most {max_length} characters")
    return text
