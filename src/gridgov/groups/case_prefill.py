"""What a case made from a message starts with (pure): the category whose Chinese name
shares the most character pairs with the message (路灯不亮 -> 路灯故障), else "other".
The leader may always name another."""

from __future__ import annotations

from collections.abc import Iterable

from gridgov.groups.search_tokens import tokens

FALLBACK_CATEGORY = "other"


def _pairs(text: str) -> set[str]:
    return {token for token in tokens(text) if len(token) > 1}


def suggest_category(text: str, categories: Iterable[tuple[str, str]]) -> str:
    """The code of the best ``(code, name_zh)`` for ``text``: most shared pairs, a child
    category before its parent on a tie, the fallback when nothing is shared."""
    words = _pairs(text)
    best, best_score = FALLBACK_CATEGORY, (0, 0)
    for code, name in categories:
        score = (len(words & _pairs(name)), code.count("."))
        if score[0] and score > best_score:
            best, best_score = code, score
    return best
