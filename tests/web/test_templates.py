"""Every page template: no user-visible text outside {% trans %}/_(), no inline script or
style (the pages' CSP refuses both). The lints themselves are checked on bad examples."""

from __future__ import annotations

import pytest

from gridgov.web.templating import TEMPLATE_DIR, environment
from tests.web.template_lint import inline_code, untranslated_text

TEMPLATES = sorted(
    path.relative_to(TEMPLATE_DIR).as_posix() for path in TEMPLATE_DIR.rglob("*.html")
)
ENV = environment("en")


def source_of(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def test_there_are_templates_to_lint() -> None:
    assert {"base.html", "not_found.html", "error.html", "signin.html"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_user_visible_text_outside_trans(name) -> None:
    assert untranslated_text(ENV, source_of(name)) == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_inline_script_or_style(name) -> None:
    assert inline_code(source_of(name)) == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_compiles(name) -> None:
    ENV.get_template(name)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ("<p>你好</p>", ["你好"]),
        ('<img alt="A map" src="{{ src }}">', ['<img alt="A map">']),
        ('<input placeholder="名字">', ['<input placeholder="名字">']),
        ('<input type="submit" value="Send">', ["<input value='Send'>"]),
        ("<p>{{ name }}: Total</p>", ["\x00: Total"]),
        ("{% if x %}<b>Yes</b>{% endif %}", ["Yes"]),
    ],
)
def test_the_text_lint_finds_untranslated_text(source, found) -> None:
    assert untranslated_text(ENV, source) == found


@pytest.mark.parametrize(
    "source",
    [
        "<p>{% trans %}Hello{% endtrans %}</p>",
        "<p>{{ _('Hello') }}</p>",
        '<a title="{{ _(\'Map\') }}" href="/x">{% trans n=3 %}{{ n }} cases{% endtrans %}</a>',
        "<p>{{ count }} · 12:30 — ✓</p>",
        '<div class="panel wide" data-page="home" id="x1"></div>',
        "{# A comment with words #}<br>",
    ],
)
def test_the_text_lint_accepts_translated_text(source) -> None:
    assert untranslated_text(ENV, source) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<script>alert(1)</script>", ["<script> without src"]),
        ("<style>p{}</style>", ["<style> element"]),
        ('<p style="color:red">x</p>', ["style= on <p>"]),
        ('<button onclick="go()">x</button>', ["onclick= on <button>"]),
        ('<a href="javascript:go()">x</a>', ["javascript: URL on <a>"]),
    ],
)
def test_the_inline_lint_finds_inline_code(source, found) -> None:
    assert inline_code(source) == found


def test_the_inline_lint_accepts_external_files() -> None:
    assert (
        inline_code(
            '<script src="/static/js/app.js" defer></script><link rel="stylesheet" href="/a.css">'
        )
        == []
    )
