"""Field checks every package shares (pure), and the one collector of field problems.

Each ``clean_*`` returns the normalized value or raises :class:`FieldProblem` with the
reason in words a village clerk understands. A write that checks several fields collects
their problems in a :class:`Problems` and raises them together (one ValidationFailed, 422),
so the caller hears all of them at once. Rules of one domain (ID numbers, relations) stay
in that domain (e.g. :mod:`gridgov.registry.validation`).

The input rule, once for every door (API bodies, forms, query and path parameters, the CLI,
the domain actions): text is one line unless the field is multi-line (descriptions, notes,
comments, message texts, addresses), which may also hold tab and newline; a carriage
return is accepted only as part of CRLF (what browsers send for a textarea) and stored as
a newline. No field holds any other control character (C0, DEL, C1: NUL never reaches
SQL), a UTF-16 surrogate, or a bidirectional embedding, override or isolate (U+202A-U+202E,
U+2066-U+2069: "Trojan Source" text that displays in another order than it reads). The
plain direction marks (U+200E, U+200F, U+061C) stay allowed: they reorder nothing.
Numbers and dates are bounded too: :data:`MAX_OFFSET`, :data:`FIRST_DATE` to
:data:`LAST_DATE`. The pydantic types (:data:`Line`, :data:`MultiLine`, :data:`Day`) and
:class:`Input` carry the same rule into the API's shapes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Final, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

T = TypeVar("T")

# C0 except tab and newline (CRLF counts as a newline), DEL, C1, surrogates, bidi
# embeddings/overrides/isolates.
_NOT_IN_MULTI_LINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")

MAX_OFFSET: Final = 2**31  # a list's offset; beyond it, a 64-bit SQL integer overflows
MAX_INT: Final = 2**31 - 1  # any other integer a request names (a version, a rating)
FIRST_DATE: Final = dt.date(1900, 1, 1)
LAST_DATE: Final = dt.date(2199, 12, 31)
# An e-mail address checked for plausibility, not deliverability: one ``@``, a dotted
# domain with a top-level part of two letters or more, no spaces, brackets or quotes (the
# case reporters' address and the users' digest address).
_EMAIL_FORBIDDEN = r"@\s<>()\[\],;:\"\\"
EMAIL_PATTERN: Final = re.compile(
    rf"[^{_EMAIL_FORBIDDEN}]+@(?:[^{_EMAIL_FORBIDDEN}.]+\.)+[^{_EMAIL_FORBIDDEN}.]{{2,}}"
)
_DATE_RANGE: Final = Message(
    "a date from %(first)s to %(last)s", first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat()
)


class FieldProblem(ValueError):
    """One field's value is unacceptable; ``why`` says why (a Message when it can be
    translated: read ``why``, not ``str(exc)``, to keep it)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Problems(dict[str, str]):
    """Field -> why, for every problem of one request; a field keeps its first problem."""

    def add(self, field: str, why: str) -> None:
        self.setdefault(field, why)

    def add_all(self, problems: Mapping[str, str], *, prefix: str = "") -> None:
        """Problems found by a check that returns them (e.g. :func:`clean_lon_lat`), their
        fields named ``prefix + field`` (``center_`` + ``lon``)."""
        for field, why in problems.items():
            self.add(prefix + field, why)

    def check(self, field: str, clean: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``clean(*args, **kwargs)``, or None with its FieldProblem recorded for ``field``."""
        try:
            return clean(*args, **kwargs)
        except FieldProblem as exc:
            self.add(field, exc.why)
            return None

    def raise_if_any(self) -> None:
        if self:
            message = "; ".join(f"{field}: {why}" for field, why in self.items())
            raise ValidationFailed(message, fields=dict(self))


def text_problem(value: str, *, multi_line: bool = False) -> str | None:
    """Why ``value`` breaks the input rule (None when it keeps it). CRLF counts as a newline."""
    pattern = _NOT_IN_MULTI_LINE if multi_line else _NOT_IN_LINE
    found = pattern.search(value.replace("\r\n", "\n") if multi_line else value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if multi_line or found.group() not in "\t\n":
        return Message(
            "holds a control or text-direction character (%(code)s), not allowed", code=code
        )
    return Message("one line only: holds a tab or line break (%(code)s)", code=code)


def clean_chars(value: str, *, multi_line: bool = False) -> str:
    """``value`` if it keeps the input rule (a multi-line one with CRLF made LF), else a
    FieldProblem saying which character is refused."""
    problem = text_problem(value, multi_line=multi_line)
    if problem is not None:
        raise FieldProblem(problem)
    return value.replace("\r\n", "\n") if multi_line else value


def clean_text(
    value: str,
    *,
    max_length: int,
    field_words: str = Message("this field"),
    multi_line: bool = False,
) -> str:
    text = clean_chars(value, multi_line=multi_line).strip()
    if not text:
        words = field_words if isinstance(field_words, Message) else Message(field_words)
        raise FieldProblem(Message("%(field_words)s cannot be empty", field_words=words))
    if len(text) > max_length:
        raise FieldProblem(Message("at most %(max_length)s characters", max_length=max_length))
    return text


def clean_choice(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise FieldProblem(Message("must be one of %(choices)s", choices=", ".join(choices)))
    return value


def clean_lon_lat(lon: float | None, lat: float | None) -> dict[str, str]:
    """Problems with a location point, by field (both or neither must be given)."""
    problems: dict[str, str] = {}
    if (lon is None) != (lat is None):
        problems["lon" if lon is None else "lat"] = Message("give lon and lat together, or neither")
        return problems
    if lon is not None and not -180 <= lon <= 180:
        problems["lon"] = Message("longitude is between -180 and 180")
    if lat is not None and not -90 <= lat <= 90:
        problems["lat"] = Message("latitude is between -90 and 90")
    return problems


def clean_date(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise FieldProblem(_DATE_RANGE)
    return value


def refuse_bad_text(field: str, value: str | None, *, multi_line: bool = False) -> None:
    """ValidationFailed (422) naming ``field`` when ``value`` breaks the input rule."""
    refuse_bad_texts({field: value}, multi_line=(field,) if multi_line else ())


def refuse_bad_texts(values: Mapping[str, Any], *, multi_line: Iterable[str] = ()) -> None:
    """ValidationFailed (422) naming every field of ``values`` whose text breaks the input
    rule (the names in ``multi_line`` may hold tabs and newlines); other types pass. Call it
    before a value reaches SQL: PostgreSQL refuses a NUL with an error, not an answer."""
    problems = Problems()
    lines = set(multi_line)
    for field, value in values.items():
        if isinstance(value, str):
            problem = text_problem(value, multi_line=field in lines)
            if problem is not None:
                problems.add(field, problem)
    problems.raise_if_any()


# --- the same rule as pydantic types, for the API's shapes and parameters ----------------


def _pydantic_error(problem: FieldProblem) -> PydanticCustomError:
    # The reason rides in the context too, so an API error can translate it.
    return PydanticCustomError("input_rule", "{problem}", {"problem": problem.why})


def _line(value: str) -> str:
    try:
        return clean_chars(value)
    except FieldProblem as exc:
        raise _pydantic_error(exc) from None


def _multi_line(value: str) -> str:
    try:
        return clean_chars(value, multi_line=True)
    except FieldProblem as exc:
        raise _pydantic_error(exc) from None


def _day(value: dt.date) -> dt.date:
    try:
        return clean_date(value)
    except FieldProblem as exc:
        raise _pydantic_error(exc) from None


class _MultiLineMark:
    """Marks a field of an :class:`Input` as multi-line text (tab and newline allowed)."""

    def __repr__(self) -> str:
        return "MULTI_LINE"


MULTI_LINE: Final = _MultiLineMark()

# One line of text: no control or text-direction character at all.
Line = Annotated[str, AfterValidator(_line)]
# Several lines (descriptions, notes, comments, message texts, addresses).
MultiLine = Annotated[str, MULTI_LINE, AfterValidator(_multi_line)]
# A calendar day the platform accepts (1900-01-01 to 2199-12-31).
Day = Annotated[dt.date, AfterValidator(_day)]


def _marked_multi_line(annotation: Any) -> bool:
    """Whether a type holds :data:`MultiLine` anywhere (``MultiLine | None``)."""
    return any(arg is MULTI_LINE or _marked_multi_line(arg) for arg in get_args(annotation))


def _value_problem(value: Any) -> str | None:
    """The first breach of the input rule in a value: its strings keep the one-line rule
    (dict keys too), its numbers are finite and within 32 bits, its dates in range."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not (math.isfinite(value) and abs(value) <= MAX_INT):
            return Message("a number from %(least)s to %(most)s", least=-MAX_INT, most=MAX_INT)
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return None if FIRST_DATE <= value <= LAST_DATE else _DATE_RANGE
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        return None  # a nested Input checked its own fields
    for item in items:
        problem = _value_problem(item)
        if problem is not None:
            return problem
    return None


class Input(BaseModel):
    """The base of every request body: each text in it (inside lists and objects too) keeps
    the one-line rule unless its field is :data:`MultiLine`, each number is finite and within
    32 bits, each date within :data:`FIRST_DATE` to :data:`LAST_DATE`. A new field is safe by
    default."""

    @field_validator("*", mode="after")
    @classmethod
    def _keep_the_input_rule(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and (
            MULTI_LINE in field.metadata or _marked_multi_line(field.annotation)
        ):
            return value  # its own type checked it
        problem = _value_problem(value)
        if problem is not None:
            # The problem rides in the context too, so an API error can translate it.
            raise PydanticCustomError("input_rule", "{problem}", {"problem": problem})
        return value
