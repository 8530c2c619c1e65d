"""The territory filter's refusal says which code lengths exist (an 11-digit code was told
"6-17 digits", which it has)."""

import pytest

from gridgov.errors import ValidationFailed
from gridgov.territory.scope import clean_territory_filter


@pytest.mark.parametrize("code", ["35030510899", "3503", "35030510800x", ""])
def test_a_code_of_no_level_is_refused_naming_the_lengths(code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        clean_territory_filter(code, field="village")
    assert set(info.value.fields) == {"village"}
    assert "6, 9, 12, 15 or 17 digits" in str(info.value.fields["village"])


@pytest.mark.parametrize("code", ["350305", "350305108", "350305108001", "350305108001001"])
def test_a_code_of_each_level_passes(code: str) -> None:
    assert clean_territory_filter(code) == code
