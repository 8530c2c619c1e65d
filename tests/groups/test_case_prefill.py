"""The category a case made from a message starts with (pure)."""

from __future__ import annotations

from gridgov.cases.categories import SEED_CATEGORIES
from gridgov.groups.case_prefill import suggest_category

CATEGORIES = [(seed["code"], seed["name_zh"]) for seed in SEED_CATEGORIES]


def test_a_street_light_message_suggests_the_street_light_category() -> None:
    assert suggest_category("村口的路灯坏了三天了", CATEGORIES) == "facility.streetlight"


def test_a_child_category_wins_a_tie_with_its_parent() -> None:
    assert suggest_category("垃圾堆放在路边", CATEGORIES) == "sanitation.garbage"


def test_nothing_shared_falls_back_to_other() -> None:
    assert suggest_category("大家好", CATEGORIES) == "other"
    assert suggest_category("", CATEGORIES) == "other"
