"""Languages: the message catalogs (Babel ``.po`` files in ``gridgov/locale``), choosing a
language from ``Accept-Language``, and translating a message into one.

Message ids are the English text; a language is named by its tag (``zh-CN``, ``en``).
Code marks a message for extraction with ``_()`` when it translates at once, or ``N_()``
when it only names a message to translate later, for a reader (a notification's kind):
``translate(language, msgid, **params)`` then renders it in that reader's language.
``scripts/messages.py`` extracts the messages and updates the catalogs.
"""

from gridgov.i18n.catalogs import (
    DEFAULT_API_LANGUAGE,
    DEFAULT_PAGE_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    SOURCE_LANGUAGE,
    catalog_locale,
    gettext,
    ngettext,
    translate,
    translations,
)
from gridgov.i18n.messages import Message, localize
from gridgov.i18n.negotiation import negotiate, normalize_language

__all__ = [
    "DEFAULT_API_LANGUAGE",
    "DEFAULT_PAGE_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "SOURCE_LANGUAGE",
    "Message",
    "catalog_locale",
    "gettext",
    "localize",
    "negotiate",
    "ngettext",
    "normalize_language",
    "translate",
    "translations",
]
