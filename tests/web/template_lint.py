"""Lints of the page templates, read with Jinja2's own lexer.

``untranslated_text``: user-visible text outside ``{% trans %}`` and ``_()``: the template is
rebuilt with every Jinja construct replaced by a blank and every ``{% trans %}`` block
dropped, then read as HTML; a text node, or a visible attribute (``alt``, ``title``,
``placeholder``, ``aria-label``, a button's ``value``...), that holds a letter (Latin or
CJK) is untranslated.

``inline_code``: what the pages' CSP would refuse: a ``<script>`` without ``src``, a
``<style>`` element, a ``style=`` attribute, an ``on*=`` handler, a ``javascript:`` URL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jinja2 import Environment

LETTER = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
VISIBLE_ATTRIBUTES = frozenset(
    {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-placeholder", "label"}
)
BLANK = "\x00"


def _without_jinja(env: Environment, source: str) -> str:
    """The template's HTML with each Jinja construct blanked and trans blocks dropped."""
    parts: list[str] = []
    in_trans = 0
    block: list[tuple[str, str]] = []
    for _line, kind, value in env.lex(source):
        if kind == "block_begin":
            block = []
            continue
        if kind == "block_end":
            names = [value for kind_, value in block if kind_ == "name"]
            if names[:1] == ["trans"]:
                in_trans += 1
            elif names[:1] == ["endtrans"]:
                in_trans -= 1
            parts.append(BLANK)
            continue
        if kind != "data":
            block.append((kind, value))
        if kind == "data" and not in_trans:
            parts.append(value)
        elif kind in ("variable_begin", "comment_begin") and not in_trans:
            parts.append(BLANK)
    return "".join(parts)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and name in VISIBLE_ATTRIBUTES and LETTER.search(value.replace(BLANK, "")):
                self.found.append(f'<{tag} {name}="{value}">')
        shown_value = tag == "input" and values.get("type") in ("submit", "button", "reset")
        if shown_value and LETTER.search((values.get("value") or "").replace(BLANK, "")):
            self.found.append(f"<{tag} value={values.get('value')!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw and LETTER.search(data.replace(BLANK, "")):
            self.found.append(data.strip())


def untranslated_text(env: Environment, source: str) -> list[str]:
    finder = _TextFinder()
    finder.feed(_without_jinja(env, source))
    finder.close()
    return finder.found


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found
