from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridgov.cases.categories import (
    SEED_CATEGORIES,
    check_create_category,
    check_update_category,
    clean_deadlines,
    list_categories,
    seed_categories,
)
from gridgov.cases.levels import CASE_LEVELS, rank
from gridgov.cases.models import CaseCategory
from gridgov.errors import Conflict, ValidationFailed

ACTOR = "test:categories"


def test_seed_is_a_two_level_tree_with_limits_from_the_default_level_up() -> None:
    codes = {seed["code"] for seed in SEED_CATEGORIES}
    tops = [seed for seed in SEED_CATEGORIES if seed["parent_code"] is None]
    children = [seed for seed in SEED_CATEGORIES if seed["parent_code"] is not None]
    assert len(tops) >= 8 and len(children) >= 20
    for seed in children:
        assert seed["parent_code"] in codes and seed["code"].startswith(seed["parent_code"] + ".")
    for seed in SEED_CATEGORIES:
        assert clean_deadlines(seed["deadlines"], seed["default_level"]) == seed["deadlines"]
        assert seed["name_zh"] and seed["name_en"]
    by_code = {seed["code"]: seed for seed in SEED_CATEGORIES}
    assert by_code["safety"]["default_level"] == "village"
    assert not by_code["dispute"]["public"] and not by_code["welfare.elderly"]["public"]
    assert by_code["sanitation"]["public"]
    assert by_code["dispute"]["name_zh"] == "邻里纠纷"


def test_seed_is_idempotent_and_keeps_edits(session) -> None:
    assert seed_categories(session, actor=ACTOR) == len(SEED_CATEGORIES)
    garbage = session.get(CaseCategory, "sanitation.garbage")
    check_update_category(session, garbage, name_en="Rubbish", active=False, actor=ACTOR)
    assert seed_categories(session, actor=ACTOR) == 0
    assert session.scalar(select(func.count()).select_from(CaseCategory)) == len(SEED_CATEGORIES)
    assert session.get(CaseCategory, "sanitation.garbage").name_en == "Rubbish"
    active = {c.code for c in list_categories(session)}
    assert "sanitation.garbage" not in active and "sanitation" in active


def test_create_validates_each_field(session) -> None:
    seed_categories(session, actor=ACTOR)
    good = {
        "code": "sanitation.dogs",
        "parent_code": "sanitation",
        "name_zh": "流浪狗",
        "name_en": "Stray dogs",
        "default_level": "grid",
        "deadlines": {"grid": {"days": 2}, "village": {"days": 3}, "town": {"days": 5}},
    }
    category = check_create_category(session, **good, actor=ACTOR)
    assert category.active and category.public and category.version == 1
    with pytest.raises(Conflict):
        check_create_category(session, **good, actor=ACTOR)
    cases = [
        ({"code": "Bad Code"}, "code"),
        ({"parent_code": "nowhere"}, "parent_code"),
        ({"code": "other.dogs"}, "code"),
        ({"default_level": "county"}, "default_level"),
        ({"name_zh": "  "}, "name_zh"),
        (
            {"deadlines": {"grid": {"weeks": 2}, "village": {"days": 3}, "town": {"days": 5}}},
            "deadlines.grid",
        ),
        (
            {"deadlines": {"grid": {"days": 0}, "village": {"days": 3}, "town": {"days": 5}}},
            "deadlines.grid",
        ),
        ({"deadlines": {"grid": {"days": 2}, "town": {"days": 5}}}, "deadlines.village"),
        (
            {
                "deadlines": {
                    "grid": {"days": 2},
                    "village": {"days": 3},
                    "town": {"days": 5},
                    "county": {"days": 1},
                }
            },
            "deadlines.county",
        ),
    ]
    for override, field in cases:
        fields = {**good, "code": "sanitation.cats", **override}
        with pytest.raises(ValidationFailed) as refused:
            check_create_category(session, **fields, actor=ACTOR)
        assert field in refused.value.fields, (override, refused.value.fields)


def test_update_checks_limits_and_version(session) -> None:
    seed_categories(session, actor=ACTOR)
    category = session.get(CaseCategory, "facility.drain")
    version = category.version
    with pytest.raises(ValidationFailed) as refused:
        check_update_category(session, category, deadlines={"grid": {"hours": -1}}, actor=ACTOR)
    assert "deadlines.grid" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        check_update_category(session, category, default_level="unit", actor=ACTOR)
    assert refused.value.fields == {"deadlines.unit": "missing: a case may reach this level"}
    limits = {level: {"hours": 4 * (rank(level) + 1)} for level in CASE_LEVELS}
    check_update_category(
        session, category, default_level="unit", deadlines=limits, version=version, actor=ACTOR
    )
    assert category.default_level == "unit" and category.deadlines["unit"] == {"hours": 4}
    with pytest.raises(Conflict):
        check_update_category(session, category, public=False, version=version, actor=ACTOR)
