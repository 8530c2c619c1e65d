"""One rule for the reason of every reveal (residents' ID numbers and phones, a case
reporter's contact): required, at least 4 non-blank characters, up to 200 kept."""

from __future__ import annotations

import pytest

from gridgov.accounts.reveal import MAX_REASON, clean_reason
from gridgov.errors import ValidationFailed


@pytest.mark.parametrize("reason", [None, "", "    ", "abc", " a b c ", "\tab\n"])
def test_a_missing_or_short_reason_is_refused_naming_reason(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_reason(reason)
    assert set(refused.value.fields) == {"reason"}


def test_the_reason_is_kept_trimmed_and_up_to_200_characters() -> None:
    assert clean_reason("  call back  ") == "call back"
    assert clean_reason("abcd") == "abcd"
    assert clean_reason("x" * 300) == "x" * MAX_REASON == "x" * 200
