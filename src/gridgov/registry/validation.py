"""Field rules of the registry (pure). The API, the importer and the demo all use these.

Each ``clean_*`` returns the normalized value or raises :class:`FieldProblem` with the
reason in words a village clerk understands; the rules every package shares (text, a
choice, a point) are :mod:`gridgov.validation`'s.
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

from gridgov.i18n import Message
from gridgov.registry.models import RELATIONS, RESIDENCE_STATUSES, SEXES
from gridgov.validation import FIRST_DATE, FieldProblem, clean_choice

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


def _birth_date_of(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


def _sex_of(id_number: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "male" if int(id_number[16]) % 2 == 1 else "female"


def id_number_disagreement(id_number: str, *, birth_date: dt.date, sex: str) -> dict[str, str]:
    """Fields that contradict a valid ID number, with why (empty when consistent)."""
    problems: dict[str, str] = {}
    encoded_birth = _birth_date_of(id_number)
    if encoded_birth != birth_date:
        problems["birth_date"] = Message(
            "the ID number says %(encoded_birth)s", encoded_birth=encoded_birth.isoformat()
        )
    if _sex_of(id_number) != sex:
        problems["sex"] = Message("the ID number says %(id_number)s", id_number=_sex_of(id_number))
    return problems


def clean_mobile_phone(value: str) -> str:
    """A mainland China mobile number, as its 11 digits (``+86`` and separators dropped)."""
    text = re.sub(r"[\s\-()]", "", value)
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise FieldProblem(Message("not a phone number")) from exc
    national = str(parsed.national_number)
    if parsed.country_code != 86 or len(national) != 11:
        raise FieldProblem(Message("a mainland mobile number has 11 digits starting with 1"))
    kind = phonenumbers.number_type(parsed)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldProblem(Message("not a valid mainland mobile number"))
    return national


def clean_sex(value: str) -> str:
    return clean_choice(value, SEXES)


def clean_relation(value: str) -> str:
    return clean_choice(value, RELATIONS)


def clean_residence_status(value: str) -> str:
    return clean_choice(value, RESIDENCE_STATUSES)


def clean_birth_date(value: dt.date, *, today: dt.date) -> dt.date:
    if value > today:
        raise FieldProblem(Message("a birth date cannot be in the future"))
    if value < FIRST_DATE:
        raise FieldProblem(
            Message("a birth date before %(year)s is not plausible", year=FIRST_DATE.year)
        )
    return value
