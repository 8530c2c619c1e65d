"""The catalogs: loaded from the .po files, complete for every message the code and the
templates use (extracted exactly as scripts/messages.py does)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from gridgov.i18n import catalog_locale, gettext, ngettext, translate, translations
from gridgov.i18n.catalogs import LANGUAGES, SOURCE_LANGUAGE, catalog_path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "gridgov"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "translate": (2,),
    "Message": None,
}
METHODS = [
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]


@cache
def used_messages() -> frozenset[str]:
    """Every msgid of the code and the templates (a plural's singular and plural)."""
    found: set[str] = set()
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), METHODS, options_map=options, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found.update(part for part in message if part)
        elif message:
            found.add(message)
    return frozenset(found)


def test_extraction_finds_the_pages_messages() -> None:
    used = used_messages()
    assert "Sign in" in used  # a template's {% trans %}
    assert "Wrong username, phone or password." in used  # translate() in a route
    assert "Town official" in used  # N_() in a table


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE])
def test_every_message_used_has_a_translation(language) -> None:
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=catalog_locale(language))
    missing = []
    for msgid in sorted(used_messages()):
        entry = catalog.get(msgid)
        if entry is None:
            # A plural's plural form is found under its singular.
            if any(isinstance(m.id, tuple) and msgid in m.id for m in catalog):
                continue
            missing.append(f"{msgid!r}: not in the catalog")
        elif entry.fuzzy or not entry.string or not all(entry.string):
            missing.append(f"{msgid!r}: untranslated or fuzzy")
    assert not missing, (
        f"{language}: run `python scripts/messages.py` and translate:\n" + "\n".join(missing)
    )


def test_translations_keep_the_placeholders() -> None:
    with catalog_path("zh-CN").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        for name in ("%(", "%s"):
            assert message.id.count(name) == str(message.string).count(name), message.id


def test_translate_fills_parameters_in_the_reader_language() -> None:
    assert translate("zh-CN", "Hello, %(name)s", name="王芳") == "您好，王芳"
    assert translate("en", "Hello, %(name)s", name="Wang Fang") == "Hello, Wang Fang"
    assert gettext("zh-CN", "Sign in") == "登录"
    assert gettext("en", "Sign in") == "Sign in"


def test_an_unknown_message_reads_as_its_english_id() -> None:
    assert gettext("zh-CN", "no such message here") == "no such message here"


def test_ngettext_in_english_chooses_the_form() -> None:
    assert ngettext("en", "one case", "%(n)s cases", 1) == "one case"
    assert ngettext("en", "one case", "%(n)s cases", 2) == "%(n)s cases"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        translations("fr")
