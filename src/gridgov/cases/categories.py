"""Case categories as data: a tree by code, each with the level that handles it first, a
deadline per level (working hours or working days) and whether it may be listed publicly.

Categories are never deleted: ``active=False`` takes one out of intake. A case copies the
limits when it is created, so an edit applies to new cases only.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gridgov.cases.levels import CASE_LEVELS, rank
from gridgov.cases.models import CaseCategory
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.validation import Problems, clean_chars, refuse_bad_text

UNSET: Any = object()
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,15}(\.[a-z][a-z0-9_]{0,14})?$")
LIMIT_UNITS = {
    "hours": 2000,
    "days": 250,
    "minutes": 10080,
}  # the largest sensible value of each unit

# Limits by the level a category starts at: every level from there up has one.
_ROUTINE = {
    "unit": {"hours": 8},
    "grid": {"days": 2},
    "village": {"days": 3},
    "town": {"days": 5},
    "district": {"days": 10},
}
_QUICK = {
    "unit": {"hours": 4},
    "grid": {"hours": 8},
    "village": {"days": 1},
    "town": {"days": 2},
    "district": {"days": 5},
}
_SLOW = {
    "unit": {"days": 2},
    "grid": {"days": 3},
    "village": {"days": 5},
    "town": {"days": 10},
    "district": {"days": 20},
}
_PACES = {"routine": _ROUTINE, "quick": _QUICK, "slow": _SLOW}


def _limits(default_level: str, pace: str) -> dict[str, dict[str, int]]:
    table = _PACES[pace]
    return {
        level: dict(table[level]) for level in CASE_LEVELS if rank(level) >= rank(default_level)
    }


def _seed(
    code: str, name_zh: str, name_en: str, level: str, *, public: bool, pace: str = "routine"
) -> dict[str, Any]:
    parent = code.split(".", maxsplit=1)[0] if "." in code else None
    return {
        "code": code,
        "parent_code": parent,
        "name_zh": name_zh,
        "name_en": name_en,
        "default_level": level,
        "deadlines": _limits(level, pace),
        "public": public,
    }


# Parents come before their children. Neighbour disputes and personal needs are not public.
SEED_CATEGORIES: tuple[dict[str, Any], ...] = (
    _seed("dispute", "邻里纠纷", "Neighbour disputes", "unit", public=False),
    _seed("dispute.noise", "噪音扰民", "Noise nuisance", "unit", public=False),
    _seed("dispute.boundary", "宅基地地界纠纷", "Plot and boundary disputes", "grid", public=False),
    _seed("dispute.family", "家庭矛盾", "Family conflicts", "unit", public=False),
    _seed("sanitation", "环境卫生", "Sanitation", "grid", public=True),
    _seed("sanitation.garbage", "垃圾堆放", "Piled-up garbage", "unit", public=True),
    _seed("sanitation.sewage", "污水排放", "Sewage discharge", "grid", public=True),
    _seed("sanitation.beach", "海滩海漂垃圾", "Beach and sea litter", "village", public=True),
    _seed("facility", "道路设施损坏", "Road and facility damage", "grid", public=True),
    _seed("facility.road", "道路破损", "Damaged road", "grid", public=True, pace="slow"),
    _seed("facility.streetlight", "路灯故障", "Street light out", "grid", public=True),
    _seed("facility.drain", "排水沟堵塞", "Blocked drain", "grid", public=True),
    _seed("safety", "安全隐患", "Public-safety hazards", "village", public=True, pace="quick"),
    _seed("safety.fire", "消防隐患", "Fire hazard", "village", public=True, pace="quick"),
    _seed("safety.building", "危房隐患", "Unsafe building", "village", public=True, pace="quick"),
    _seed("safety.typhoon", "防台防汛", "Typhoon and flood", "village", public=True, pace="quick"),
    _seed("welfare", "困难群众/老人需求", "Elderly and vulnerable residents", "unit", public=False),
    _seed("welfare.elderly", "独居老人照料", "Elderly living alone", "unit", public=False),
    _seed("welfare.hardship", "生活困难救助", "Hardship assistance", "grid", public=False),
    _seed("welfare.disability", "残疾人帮扶", "Disability support", "grid", public=False),
    _seed("policy", "政策咨询", "Policy questions", "grid", public=True),
    _seed("policy.insurance", "社保医保", "Social and medical insurance", "grid", public=True),
    _seed("policy.certificate", "证明办理", "Certificates and paperwork", "grid", public=True),
    _seed("utilities", "水电供应", "Water and power", "grid", public=True, pace="quick"),
    _seed("utilities.water", "停水水质", "Water supply and quality", "grid", public=True),
    _seed("utilities.power", "停电线路", "Power supply and lines", "grid", public=True),
    _seed("land", "土地房屋", "Land and housing", "village", public=True, pace="slow"),
    _seed("land.construction", "违章建设", "Unauthorized building", "village", public=True),
    _seed("land.housing", "建房审批", "Building permits", "village", public=True, pace="slow"),
    _seed("other", "其他", "Other", "grid", public=True),
)


def seed_categories(session: Session, *, actor: str) -> int:
    """Add the seed categories that are missing (an edited or deactivated one is kept as
    it is); the number added."""
    existing = set(session.scalars(select(CaseCategory.code)))
    added = 0
    for seed in SEED_CATEGORIES:
        if seed["code"] in existing:
            continue
        session.add(CaseCategory(**seed, description="", updated_by=actor))
        added += 1
    session.flush()
    return added


def get_category(session: Session, code: str) -> CaseCategory:
    category = session.get(CaseCategory, code)
    if category is None:
        raise NotFound(
            Message("no case category has code %(code)s", code=code),
            fields={"code": Message("not found")},
        )
    return category


def list_categories(session: Session, *, include_inactive: bool = False) -> list[CaseCategory]:
    query = select(CaseCategory).order_by(CaseCategory.code)
    if not include_inactive:
        query = query.where(CaseCategory.active.is_(True))
    return list(session.scalars(query))


# --- validation ---------------------------------------------------------------------------


def _problem_with_limit(limit: Any) -> str | None:
    if not isinstance(limit, dict) or len(limit) != 1:
        return 'a limit is one of {"hours": N}, {"days": N} or {"minutes": N}'
    ((unit, value),) = limit.items()
    if unit not in LIMIT_UNITS:
        return f'a limit is in "hours" or "days" (working time) or "minutes", not {unit!r}'
    if isinstance(value, bool) or not isinstance(value, int):
        return "a limit is a whole number"
    if not 1 <= value <= LIMIT_UNITS[unit]:
        return f"{unit} is between 1 and {LIMIT_UNITS[unit]}"
    return None


def clean_deadlines(deadlines: Any, default_level: str) -> dict[str, dict[str, int]]:
    """Limits by level: known levels only, each a valid limit, and one for the default level
    and every level above it up to the town (an escalated case needs one there too)."""
    if not isinstance(deadlines, dict) or not deadlines:
        raise ValidationFailed.field(
            "deadlines", Message("a limit by level, e.g. {'grid': {'days': 2}}")
        )
    problems = Problems()
    for level, limit in deadlines.items():
        if level not in CASE_LEVELS:
            problems.add(
                f"deadlines.{level}",
                Message("not a level; one of %(CASE_LEVELS)s", CASE_LEVELS=", ".join(CASE_LEVELS)),
            )
            continue
        why = _problem_with_limit(limit)
        if why is not None:
            problems.add(f"deadlines.{level}", why)
    if default_level in CASE_LEVELS:
        for level in CASE_LEVELS[rank(default_level) : rank("town") + 1]:
            if level not in deadlines:
                problems.add(f"deadlines.{level}", Message("missing: a case may reach this level"))
    problems.raise_if_any()
    return {level: dict(limit) for level, limit in deadlines.items()}


def _clean_name(field: str, value: Any, max_length: int = 64) -> str:
    if isinstance(value, str):
        refuse_bad_text(field, value)
    text = (value or "").strip() if isinstance(value, str | type(None)) else ""
    if not text:
        raise ValidationFailed.field(field, Message("cannot be empty"))
    if len(text) > max_length:
        raise ValidationFailed.field(
            field, Message("at most %(max_length)s characters", max_length=max_length)
        )
    return text


def _clean_description(value: str | None) -> str:
    refuse_bad_text("description", value, multi_line=True)
    return clean_chars(value or "", multi_line=True).strip()[:500]


def _clean_level(value: str) -> str:
    if value not in CASE_LEVELS:
        raise ValidationFailed.field(
            "default_level", Message("one of %(CASE_LEVELS)s", CASE_LEVELS=", ".join(CASE_LEVELS))
        )
    return value


def _clean_parent(session: Session, code: str, parent_code: str | None) -> str | None:
    if parent_code is None:
        if "." in code:
            raise ValidationFailed.field("parent_code", Message("a child code names its parent"))
        return None
    parent = session.get(CaseCategory, parent_code)
    if parent is None:
        raise ValidationFailed.field("parent_code", Message("no case category has this code"))
    if parent.parent_code is not None:
        raise ValidationFailed.field("parent_code", Message("categories are two levels deep"))
    if not code.startswith(parent_code + "."):
        raise ValidationFailed.field(
            "code", Message("a child's code starts with %(parent_code)s.", parent_code=parent_code)
        )
    return parent_code


# --- writes -------------------------------------------------------------------------------


def check_create_category(
    session: Session,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    default_level: str,
    deadlines: dict[str, Any],
    parent_code: str | None = None,
    description: str = "",
    public: bool = True,
    actor: str,
) -> CaseCategory:
    refuse_bad_text("code", code)
    if not CODE_PATTERN.match(code or ""):
        raise ValidationFailed.field(
            "code", Message("lower-case letters, digits and _, with one '.' before a child's part")
        )
    category = CaseCategory(
        code=code,
        parent_code=_clean_parent(session, code, parent_code),
        name_zh=_clean_name("name_zh", name_zh),
        name_en=_clean_name("name_en", name_en),
        description=_clean_description(description),
        default_level=_clean_level(default_level),
        deadlines=clean_deadlines(deadlines, default_level),
        public=bool(public),
        active=True,
        updated_by=actor,
    )
    if session.get(CaseCategory, code) is not None:
        raise Conflict(
            Message("code: %(code)s exists", code=code),
            fields={"code": Message("a category has this code")},
        )
    try:
        with session.begin_nested():
            session.add(category)
            session.flush()
    except IntegrityError:
        raise Conflict(
            Message("code: %(code)s exists", code=code),
            fields={"code": Message("a category has this code")},
        ) from None
    return category


def check_update_category(
    session: Session,
    category: CaseCategory,
    *,
    version: int | None = None,
    name_zh: str = UNSET,
    name_en: str = UNSET,
    description: str = UNSET,
    default_level: str = UNSET,
    deadlines: dict[str, Any] = UNSET,
    public: bool = UNSET,
    active: bool = UNSET,
    actor: str,
) -> CaseCategory:
    """Change the fields given; ``active=False`` deactivates (never a delete). Applies to
    cases reported from now on."""
    if version is not None and version != category.version:
        raise Conflict(
            Message(
                "category %(code)s changed since version %(version)s (now %(version2)s)",
                code=category.code,
                version=version,
                version2=category.version,
            ),
            fields={"version": Message("stale: read it again and retry")},
        )
    level = category.default_level if default_level is UNSET else _clean_level(default_level)
    values: dict[str, Any] = {}
    if name_zh is not UNSET:
        values["name_zh"] = _clean_name("name_zh", name_zh)
    if name_en is not UNSET:
        values["name_en"] = _clean_name("name_en", name_en)
    if description is not UNSET:
        values["description"] = _clean_description(description)
    if default_level is not UNSET or deadlines is not UNSET:
        values["default_level"] = level
        limits = category.deadlines if deadlines is UNSET else deadlines
        values["deadlines"] = clean_deadlines(limits, level)
    if public is not UNSET:
        values["public"] = bool(public)
    if active is not UNSET:
        values["active"] = bool(active)
    changed = {name: value for name, value in values.items() if getattr(category, name) != value}
    if not changed:
        return category
    for name, value in changed.items():
        setattr(category, name, value)
    category.updated_by = actor
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            Message("changed by someone else meanwhile"), fields={"version": Message("stale")}
        ) from exc
    return category
