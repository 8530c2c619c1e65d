"""Fitting texts into a bridge's byte limits (pure): WeCom counts UTF-8 bytes (2,048 for a
text, 4,096 for markdown), and a Chinese character takes three of them.

A text that does not fit is split at character boundaries, never inside one (a broken
multi-byte sequence would show as garbage, or be refused); a split prefers the last line
break, then the last space, of the part, so that words and lines stay whole when they can.
Several texts are packed into as few parts as fit, in order, joined by a blank line.
"""

from __future__ import annotations

from collections.abc import Sequence

SEPARATOR = "\n\n"


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _longest_prefix(text: str, max_bytes: int) -> int:
    """How many characters of ``text`` fit in ``max_bytes`` UTF-8 bytes (at least one)."""
    encoded = text.encode("utf-8")[:max_bytes]
    fitting = len(encoded.decode("utf-8", errors="ignore"))  # drops a cut character's bytes
    return max(fitting, 1)


def split_utf8(text: str, max_bytes: int) -> list[str]:
    """``text`` in parts of at most ``max_bytes`` UTF-8 bytes each, cut between characters
    (preferably after a line break or a space, when one falls in the part's second half)."""
    if max_bytes < 4:
        raise ValueError("max_bytes must hold any one character (4 bytes)")
    parts: list[str] = []
    rest = text
    while utf8_size(rest) > max_bytes:
        cut = _longest_prefix(rest, max_bytes)
        for mark in ("\n", " "):
            at = rest.rfind(mark, 0, cut)
            if at >= cut // 2:
                cut = at + 1
                break
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def truncate_utf8(text: str, max_bytes: int, ellipsis: str = "…") -> str:
    """``text`` cut to ``max_bytes`` UTF-8 bytes between characters, ending with
    ``ellipsis`` when something was cut."""
    if utf8_size(text) <= max_bytes:
        return text
    room = max_bytes - utf8_size(ellipsis)
    return text[: _longest_prefix(text, room)] + ellipsis


def pack(texts: Sequence[str], max_bytes: int, separator: str = SEPARATOR) -> list[list[int]]:
    """The indexes of ``texts`` grouped, in order, into as few parts as fit in ``max_bytes``
    when joined by ``separator``. A text too long to fit alone is a part of its own (its
    bridge splits it)."""
    groups: list[list[int]] = []
    size = 0
    gap = utf8_size(separator)
    for index, text in enumerate(texts):
        length = utf8_size(text)
        if groups and size + gap + length <= max_bytes:
            groups[-1].append(index)
            size += gap + length
        else:
            groups.append([index])
            size = length
    return groups
