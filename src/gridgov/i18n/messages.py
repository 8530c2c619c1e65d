"""A message kept for translation later: its id (the English text) and its parameters.

``Message("no case has id %(id)s", id=case_id)`` *is* its English text (a ``str``, so it goes
wherever text went before: an exception's message, a log line, a CLI's reason), and it
also remembers how it was made, so an adapter can render it for one reader:
``localize("zh-CN", message)``. A parameter may itself be a Message (a code's label,
translated with the sentence around it).

A Message is stored as JSON (``to_json`` / ``from_json``): a notification keeps its message
and renders it in each reader's language when shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gridgov.i18n.catalogs import LANGUAGES, SOURCE_LANGUAGE, gettext

Param = str | int | float | None  # what a parameter may hold besides a nested Message


def _format(text: str, params: Mapping[str, object]) -> str:
    return text % params if params else text


class Message(str):
    """A translatable text: ``str(message)`` is its English; ``render(language)`` any other.
    Mark a message's id for extraction by writing it literally: ``Message("...", ...)``."""

    msgid: str
    params: dict[str, Message | Param]

    def __new__(cls, msgid: str, /, **params: object) -> Message:
        kept = {name: _kept(value) for name, value in params.items()}
        english = _format(msgid, {name: _english(value) for name, value in kept.items()})
        self = super().__new__(cls, english)
        self.msgid = msgid
        self.params = kept
        return self

    def render(self, language: str) -> str:
        """The message in ``language``; its English when the translation does not fit its
        parameters (the catalog test keeps that from happening)."""
        if language == SOURCE_LANGUAGE or language not in LANGUAGES:
            return str(self)
        values = {name: localize(language, value) for name, value in self.params.items()}
        try:
            return _format(gettext(language, self.msgid), values)
        except (KeyError, ValueError, TypeError):
            return str(self)

    def to_json(self) -> dict[str, Any]:
        params = {
            name: value.to_json() if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return {"id": self.msgid, "params": params}

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        """The message ``to_json`` wrote, or None for anything else (a row it cannot read
        is shown with its stored text)."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        raw = data.get("params") or {}
        if not isinstance(raw, dict):
            return None
        params: dict[str, Message | Param] = {}
        for name, value in raw.items():
            if isinstance(value, dict):
                nested = cls.from_json(value)
                if nested is None:
                    return None
                params[str(name)] = nested
            elif value is None or isinstance(value, str | int | float):
                params[str(name)] = value
            else:
                return None
        try:
            return cls(data["id"], **params)
        except (KeyError, ValueError, TypeError):
            return None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict[str, Message | Param]) -> Message:
    return Message(msgid, **params)


def _kept(value: object) -> Message | Param:
    """A parameter as kept (and stored as JSON): a Message, a number, None, else its text
    (a date, an exception: as an f-string would have shown it)."""
    if value is None or isinstance(value, Message | int | float):
        return value
    return str(value)


def _english(value: object) -> object:
    return str(value) if isinstance(value, Message) else value


def localize(language: str, text: object) -> str:
    """Any text for a reader of ``language``: a Message rendered; a plain string looked up
    as a message id (a fixed reason such as "not found" is its own id), else as it is."""
    if isinstance(text, Message):
        return text.render(language)
    if text is None:
        return ""
    if not isinstance(text, str):
        return str(text)
    if language == SOURCE_LANGUAGE or language not in LANGUAGES or not text:
        return text
    return gettext(language, text)
