"""Search tokens for group messages: character bigrams for Chinese, words for the rest.

Chinese has no spaces, and the query villagers type most is two characters (台风, 停水). A
trigram index cannot answer it (SQLite's FTS5 trigram tokenizer needs three characters;
``pg_trgm`` draws no trigram from two), so messages are indexed as overlapping character
bigrams, which both SQLite FTS5 and PostgreSQL's ``simple`` text search store as plain
words. Pure: text in, tokens out; the database side lives in :mod:`gridgov.groups.search`.

Tokens of a text (after NFKC and case folding, so full-width ``ＡＢＣ１`` is ``abc1``):

- a run of CJK characters ``c1 c2 ... cn`` gives its bigrams ``c1c2 ... c(n-1)cn`` and then
  its last character ``cn`` alone. Every character of the run thus begins a token, so a
  one-character query is a prefix query (``风*``), and a query's run that ends before more
  query text (``台风3``) finds the run's last character as a token of its own;
- a run of letters and digits (Latin, Cyrillic, ...) is one word, cut to its first
  :data:`MAX_WORD` characters (PostgreSQL refuses a tsvector word over 2,047 bytes; a query
  word is cut the same way, so a longer word still finds itself);
- anything else (spaces, punctuation, emoji) separates tokens and is not indexed.

A query is tokenized the same way; its tokens must appear in the same order, adjacent (a
phrase), and only its last token, when it is a lone CJK character, matches as a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han (with extension A and compatibility ideographs), kana, Hangul, bopomofo.
_CJK = (
    "\u2e80-\u2fff\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
MAX_QUERY_TOKENS = 32  # a longer query is cut: the phrase is already very selective
MAX_WORD = 100  # characters of a word kept: at most 400 bytes in UTF-8


@dataclass(frozen=True)
class QueryToken:
    """One token of a query; ``prefix`` when it should match the tokens it begins."""

    text: str
    prefix: bool = False


def normalize(text: str) -> str:
    """NFKC then case folding: full-width and half-width forms, and cases, search alike."""
    return unicodedata.normalize("NFKC", text).casefold()


def _run_tokens(run: str) -> list[str]:
    bigrams = [run[index : index + 2] for index in range(len(run) - 1)]
    return [*bigrams, run[-1]]


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``, in order."""
    found: list[str] = []
    for match in _RUN.finditer(normalize(text)):
        if match.group("cjk"):
            found.extend(_run_tokens(match.group("cjk")))
        else:
            found.append(match.group("word")[:MAX_WORD])
    return found


def query_tokens(query: str) -> list[QueryToken]:
    """The tokens a query must find as a phrase; empty when it holds nothing searchable."""
    matches = list(_RUN.finditer(normalize(query)))
    found: list[QueryToken] = []
    for position, match in enumerate(matches):
        run = match.group("cjk")
        if not run:
            found.append(QueryToken(match.group("word")[:MAX_WORD]))
            continue
        last_run = position == len(matches) - 1
        if last_run and len(run) > 1:
            # The text may go on after the query's last character (台风 in 台风来): the
            # bigrams already say it all, the lone last character would demand a run end.
            found.extend(QueryToken(bigram) for bigram in _run_tokens(run)[:-1])
        else:
            found.extend(QueryToken(token) for token in _run_tokens(run))
    found = found[:MAX_QUERY_TOKENS]
    if found and len(found[-1].text) == 1 and _is_cjk(found[-1].text):
        found[-1] = QueryToken(found[-1].text, prefix=True)
    return found


def _is_cjk(character: str) -> bool:
    match = _RUN.fullmatch(character)
    return match is not None and match.group("cjk") is not None


def index_text(text: str) -> str:
    """The tokens joined by spaces: what SQLite's FTS5 indexes."""
    return " ".join(tokens(text))


def group_token(group_id: str) -> str:
    """The token that files a message under its group, so the index intersects a member's
    groups with the query in one lookup. Group ids are hex; the prefix keeps the token apart
    from words (a text cannot forge it usefully: the query also filters on the group column).
    """
    return "grp" + group_id


def tsvector_literal(text: str, group_id: str) -> str:
    """A PostgreSQL ``tsvector`` literal with positions (for phrase queries), built here
    rather than by ``to_tsvector`` so no server parser or locale splits a token again."""
    positions: dict[str, list[int]] = {}
    for position, token in enumerate(tokens(text), start=1):
        positions.setdefault(token, []).append(min(position, 16383))
    positions.setdefault(group_token(group_id), []).append(1)
    return " ".join(
        f"'{token}':{','.join(map(str, spots[:256]))}" for token, spots in positions.items()
    )


def tsquery_literal(query: list[QueryToken], group_ids: list[str]) -> str:
    """A PostgreSQL ``tsquery`` literal: the query's phrase and one of the groups (none
    given: the phrase alone)."""
    phrase = " <-> ".join(f"'{token.text}'{':*' if token.prefix else ''}" for token in query)
    if not group_ids:
        return phrase
    groups = " | ".join(f"'{group_token(group_id)}'" for group_id in group_ids)
    return f"( {phrase} ) & ( {groups} )"


def fts5_match(query: list[QueryToken], group_ids: list[str]) -> str:
    """An SQLite FTS5 ``MATCH`` expression: the query's phrase (its last token a prefix when
    it is a lone character) and one of the groups (none given: the phrase alone)."""
    phrase = '"' + " ".join(token.text for token in query) + '"'
    if query[-1].prefix:
        phrase += " *"
    if not group_ids:
        return phrase
    groups = " OR ".join(f'"{group_token(group_id)}"' for group_id in group_ids)
    return f"{phrase} AND ({groups})"
