"""The pages' Jinja2 templates, one environment per language.

Each environment has Jinja2's i18n extension installed with that language's catalog
(new-style gettext: ``{% trans %}`` and ``_()`` escape and fill ``%(name)s`` themselves),
so a page is rendered by the environment of the reader's language and no template or route
ever picks a string by language itself. A :class:`gridgov.i18n.Message` printed with
``{{ ... }}`` (a domain error's reason, say) comes out in the page's language.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gridgov import clock, i18n

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@cache
def environment(language: str) -> Environment:
    """The template environment of ``language`` (one of i18n.LANGUAGES)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=lambda value: _finalized(value, language),
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = language
    env.globals["html_lang"] = language
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    locale = i18n.catalog_locale(language)
    env.filters["datetime"] = lambda value: _datetime(value, locale)
    env.filters["date"] = lambda value: _date(value, locale)
    return env


def _finalized(value: Any, language: str) -> Any:
    """What ``{{ value }}`` prints: a Message in the page's language, anything else as is."""
    return value.render(language) if isinstance(value, i18n.Message) else value


def _datetime(value: dt.datetime | None, locale: str) -> str:
    """A moment in the deployment's timezone, in the reader's language (short form)."""
    if value is None:
        return ""
    return format_datetime(clock.local(value), format="short", locale=locale)


def _date(value: dt.date | None, locale: str) -> str:
    return "" if value is None else format_date(value, format="medium", locale=locale)


def render_template(language: str, name: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(name).render(context)
