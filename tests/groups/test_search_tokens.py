"""The search tokenizer: bigrams for Chinese runs, words for the rest (pure)."""

from __future__ import annotations

from gridgov.groups.search_tokens import (
    MAX_WORD,
    QueryToken,
    fts5_match,
    index_text,
    query_tokens,
    tokens,
    tsquery_literal,
    tsvector_literal,
)


def test_a_chinese_run_gives_its_bigrams_then_its_last_character() -> None:
    assert tokens("台风来了") == ["台风", "风来", "来了", "了"]


def test_a_single_character_is_a_token_of_its_own() -> None:
    assert tokens("好") == ["好"]
    assert tokens("好 的") == ["好", "的"]


def test_latin_words_and_digits_are_whole_words_case_folded() -> None:
    assert tokens("Meeting at 3PM, room 12") == ["meeting", "at", "3pm", "room", "12"]


def test_full_width_forms_search_like_half_width() -> None:
    assert tokens("ＷｉＦｉ１２") == ["wifi12"]


def test_punctuation_and_emoji_separate_and_are_not_indexed() -> None:
    assert tokens("停水！明天🙂恢复。") == ["停水", "水", "明天", "天", "恢复", "复"]
    assert tokens("，。！？ 🙂") == []


def test_mixed_text_splits_at_the_script_change() -> None:
    assert tokens("3号楼WiFi坏了") == ["3", "号楼", "楼", "wifi", "坏了", "了"]


def test_index_text_joins_the_tokens_with_spaces() -> None:
    assert index_text("台风 Typhoon") == "台风 风 typhoon"


def test_a_two_character_query_is_one_bigram() -> None:
    assert query_tokens("台风") == [QueryToken("台风")]


def test_a_one_character_query_is_a_prefix() -> None:
    assert query_tokens("风") == [QueryToken("风", prefix=True)]


def test_a_query_run_followed_by_more_text_keeps_its_last_character() -> None:
    # In a matching text the run ends where the query's run ends: its last character is a token.
    assert query_tokens("台风3") == [QueryToken("台风"), QueryToken("风"), QueryToken("3")]
    assert query_tokens("3号") == [QueryToken("3"), QueryToken("号", prefix=True)]


def test_a_query_of_punctuation_only_has_no_tokens() -> None:
    assert query_tokens("？！ ,") == []


def test_the_fts5_expression_is_a_phrase_and_one_of_the_groups() -> None:
    expression = fts5_match(query_tokens("3号"), ["aa", "bb"])
    assert expression == '"3 号" * AND ("grpaa" OR "grpbb")'


def test_the_tsvector_literal_keeps_positions_and_files_the_group() -> None:
    assert tsvector_literal("台风台风", "ab") == "'台风':1,3 '风台':2 '风':4 'grpab':1"


def test_the_tsquery_literal_is_a_phrase_with_a_prefix_last() -> None:
    literal = tsquery_literal(query_tokens("台风3号"), ["ab"])
    assert literal == "( '台风' <-> '风' <-> '3' <-> '号':* ) & ( 'grpab' )"


def test_without_groups_the_expressions_are_the_phrase_alone() -> None:
    assert fts5_match(query_tokens("台风"), []) == '"台风"'
    assert tsquery_literal(query_tokens("风"), []) == "'风':*"


def test_a_long_word_is_cut_alike_in_the_index_and_the_query() -> None:
    word = "a" * (MAX_WORD * 3)
    assert tokens(word) == ["a" * MAX_WORD]
    assert query_tokens(word) == [QueryToken("a" * MAX_WORD)]
