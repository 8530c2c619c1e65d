"""The message catalogs, read from their ``.po`` files at first use (no compiled ``.mo`` in
the repository: the ``.po`` is the one source) and kept for the life of the process."""

from __future__ import annotations

import io
import threading
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
# Tags as the pages and Accept-Language name them; the first is the pages' default.
LANGUAGES = ("zh-CN", "en")
DEFAULT_PAGE_LANGUAGE = "zh-CN"
DEFAULT_API_LANGUAGE = "en"
# Each language's own name, as the language switch shows it (never translated).
LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}
# English is the message ids themselves: it has no catalog.
SOURCE_LANGUAGE = "en"
_lock = threading.Lock()


def N_(message: str) -> str:  # noqa: N802 (the gettext convention extraction looks for)
    """Mark ``message`` for extraction without translating it (it is translated later,
    for each reader, with ``translate``)."""
    return message


def catalog_locale(language: str) -> str:
    """The catalog folder of a language tag: ``zh-CN`` -> ``zh_CN``."""
    return language.replace("-", "_")


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / catalog_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _load(language: str) -> NullTranslations:
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    with catalog_path(language).open("rb") as po_file:
        catalog = read_po(po_file, locale=catalog_locale(language), domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are left out, as msgfmt leaves them out: a guess is not a translation.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translations(language: str) -> NullTranslations:
    """The translations of ``language`` (one of LANGUAGES; anything else is refused)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: one of {', '.join(LANGUAGES)}")
    with _lock:  # a first use from two threads reads the file once
        return _load(language)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    return translations(language).ngettext(singular, plural, count)


def translate(language: str, message: str, **params: Any) -> str:
    """``message`` in ``language``, its ``%(name)s`` placeholders filled from ``params``.
    A ``count`` parameter is not special here: use ngettext for plurals."""
    text = gettext(language, message)
    return text % params if params else text
