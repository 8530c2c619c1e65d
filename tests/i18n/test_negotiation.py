from __future__ import annotations

import pytest

from gridgov.i18n import negotiate, normalize_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-Hans-CN,zh;q=0.9", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en-GB,en;q=0.8", "en"),
        ("fr-FR, zh;q=0.5, en;q=0.4", "zh-CN"),
        ("en;q=0.3, zh-CN;q=0.7", "zh-CN"),
        ("zh-CN;q=0, en", "en"),
        ("fr, de", "en"),
        ("*", "en"),
        ("zh;q=bogus, en", "en"),
    ],
)
def test_negotiate_picks_the_preferred_supported_language(header, expected) -> None:
    assert negotiate(header) == expected


def test_negotiate_falls_back_to_the_given_default() -> None:
    assert negotiate("fr", default="zh-CN") == "zh-CN"
    assert negotiate("*", default="zh-CN") == "zh-CN"


def test_equal_weights_keep_the_header_order() -> None:
    assert negotiate("en, zh-CN") == "en"
    assert negotiate("zh-CN, en") == "zh-CN"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh_CN", "zh-CN"), ("ZH-cn", "zh-CN"), ("en-US", "en"), ("ja", None), ("", None)],
)
def test_normalize_language(tag, expected) -> None:
    assert normalize_language(tag) == expected
