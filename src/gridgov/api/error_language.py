"""Error answers in the reader's language: a domain error's message and field reasons, and
pydantic's validation errors mapped by type to the catalog's messages.

English is the source: it is what the errors say already, and stays exactly that. Another
language renders a :class:`~gridgov.i18n.Message` with its parameters, looks a fixed reason
("not found") up in the catalog, and rebuilds a message made of its fields' reasons
("name: why; other: why") from the translated reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gridgov.i18n import N_, SOURCE_LANGUAGE, Message, localize

# pydantic's error types (pydantic_core ErrorType) the API meets, as catalog messages; the
# context's values fill the placeholders. Any other type keeps pydantic's English.
PYDANTIC_MESSAGES: Mapping[str, str] = {
    "missing": N_("Field required"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "enum": N_("Input should be %(expected)s"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or object"),
    "model_attributes_type": N_("Input should be a valid dictionary or object"),
    "too_short": N_("List should have at least %(min_length)s items"),
    "too_long": N_("List should have at most %(max_length)s items"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, %(error)s"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, %(error)s"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, %(error)s"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, %(error)s"),
    "timezone_aware": N_("Input should have timezone info"),
    "url_parsing": N_("Input should be a valid URL, %(error)s"),
    "uuid_parsing": N_("Input should be a valid UUID, %(error)s"),
    "value_error": N_("Value error, %(error)s"),
}


def localized_fields(language: str, fields: Mapping[str, object]) -> dict[str, str]:
    return {name: localize(language, why) for name, why in fields.items()}


def _joined(fields: Mapping[str, object]) -> str:
    return "; ".join(f"{name}: {why}" for name, why in fields.items())


def localized_error(
    language: str, message: object, fields: Mapping[str, object]
) -> tuple[str, dict[str, str]]:
    """(message, fields) of an error for a reader of ``language``."""
    local_fields = localized_fields(language, fields)
    if language == SOURCE_LANGUAGE:
        return localize(language, message), local_fields
    if fields and not isinstance(message, Message) and str(message) == _joined(fields):
        return _joined(local_fields), local_fields
    return localize(language, message), local_fields


def pydantic_reason(language: str, error: Mapping[str, Any]) -> str:
    """One pydantic error's reason: pydantic's own English, or the catalog's message for
    its type in another language."""
    english = str(error.get("msg"))
    if language == SOURCE_LANGUAGE:
        return english
    context = error.get("ctx") if isinstance(error.get("ctx"), dict) else {}
    if error.get("type") == "input_rule" and context:  # gridgov.validation.Input's own
        return localize(language, context.get("problem") or english)
    msgid = PYDANTIC_MESSAGES.get(str(error.get("type")))
    if msgid is None:  # another custom error may be a catalog message
        return localize(language, english)
    params: dict[str, Message | str] = {}
    for name, value in (context or {}).items():
        text = str(value)
        params[str(name)] = Message(text) if name == "error" else text
    try:
        return Message(msgid, **params).render(language)
    except (KeyError, ValueError, TypeError):  # a context without the message's names
        return localize(language, english)
