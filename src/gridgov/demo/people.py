"""Synthetic households' members for the demo island (pure; nothing real, all generated).

A family is built by relation (head, spouse, parents, children, a daughter-in-law and
grandchildren ...) so that ages fit each other; statuses and key-group tags then follow
from the family (a child is "left behind" when its parents work away). ID numbers carry
a region code valid for the birth year, the birth date and the sex, and a true checksum.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from stdnum.cn import ric

# Household sizes 1-8, mean ~3.8 (rural Fujian).
HOUSEHOLD_SIZE_WEIGHTS = {1: 9, 2: 16, 3: 20, 4: 22, 5: 15, 6: 10, 7: 5, 8: 3}
MIGRANT_HOUSEHOLD_SHARE = 0.03
LOW_INCOME_HOUSEHOLD_SHARE = 0.035

# Common Putian surnames, most common first (林 is Mazu's own).
SURNAMES = "林陈黄朱吴郑李王许蔡周张刘方翁余杨徐"
_SURNAME_WEIGHTS = (30, 18, 10, 8, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1)
_MIGRANT_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高"
_GIVEN = {
    # (sex, generation): characters a given name is drawn from
    ("male", "old"): "金水木土福德文明国清春炳荣顺发财庆玉忠亚",
    ("male", "middle"): "志建国明海华强伟俊杰鸿斌辉军峰锋勇平林涛",
    ("male", "young"): "子宇轩浩睿梓博豪晨铭嘉航泽一诚煜昊奕",
    ("female", "old"): "秀玉英珍兰凤娥桂金月妹春梅花琴素珠莲",
    ("female", "middle"): "丽美芳华娟霞燕萍红玲静慧敏艳雪莉婷琳",
    ("female", "young"): "涵欣怡梓诗雨萱佳琪悦可馨妍语晴彤思若",
}
_MOBILE_PREFIXES = tuple(
    f"1{digits}"
    for digits in (
        *("30", "31", "32", "33", "34", "35", "36", "37", "38", "39"),
        *("50", "51", "52", "53", "55", "56", "57", "58", "59"),
        *("66", "77", "80", "81", "82", "83", "85", "86", "87", "88", "89", "99"),
    )
)


@dataclass
class Member:
    relation_to_head: str
    sex: str
    age: int
    residence_status: str = "living_here"
    name: str = ""
    birth_date: dt.date = dt.date(2000, 1, 1)
    id_number: str = ""
    phone: str | None = None
    key_groups: list[str] = field(default_factory=list)


def _opposite(sex: str) -> str:
    return "female" if sex == "male" else "male"


def _spouse_age(rnd: random.Random, partner: Member) -> int:
    # Husbands are a few years older on average.
    gap = rnd.randint(-1, 5)
    return max(20, partner.age - gap if partner.sex == "male" else partner.age + gap)


def _head_age(rnd: random.Random, size: int) -> int:
    if size == 1 and rnd.random() < 0.55:
        return rnd.randint(62, 92)  # many one-person households are elderly
    return min(90, max(24, int(rnd.triangular(24, 82, 50))))


def family(rnd: random.Random, size: int) -> list[Member]:
    """Members of one household of ``size`` with relations and ages that fit together."""
    head = Member("head", "male" if rnd.random() < 0.78 else "female", _head_age(rnd, size))
    members = [head]
    if size >= 2 and rnd.random() < (0.9 if size > 2 else 0.75):
        members.append(Member("spouse", _opposite(head.sex), _spouse_age(rnd, head)))
    if size - len(members) >= 2 and head.age <= 58 and rnd.random() < 0.4:
        _add_parents(rnd, members, head, limit=min(2, size - len(members) - 1))
    _add_children(rnd, members, size)
    _add_next_generation(rnd, members, size)
    mother_age = _mother_age(members)
    while len(members) < size:  # one more child if the ages allow, else a relative
        age = mother_age - rnd.randint(20, 40)
        if age >= 0 and rnd.random() < 0.8:
            sex = rnd.choice(("male", "female"))
            members.append(Member("son" if sex == "male" else "daughter", sex, age))
            continue
        relation = "sibling" if rnd.random() < 0.6 else "other_relative"
        age = max(1, head.age + rnd.randint(-12, 12))
        members.append(Member(relation, rnd.choice(("male", "female")), age))
    return members


def _add_parents(rnd: random.Random, members: list[Member], head: Member, *, limit: int) -> None:
    base = head.age + rnd.randint(23, 33)
    relation = "parent" if head.sex == "male" else "parent_in_law"
    for sex in ("male", "female")[: rnd.randint(1, limit)]:
        age = base + (2 if sex == "male" else 0)
        if age <= 97:
            members.append(Member(relation, sex, age))


def _mother_age(members: list[Member]) -> int:
    head, *rest = members
    spouse = next((m for m in rest if m.relation_to_head == "spouse"), None)
    if head.sex == "female":
        return head.age
    return spouse.age if spouse else head.age - 3


def _add_children(rnd: random.Random, members: list[Member], size: int) -> None:
    room = size - len(members)
    mother_age = _mother_age(members)
    if room >= 3 and mother_age >= 45:
        wanted = rnd.randint(1, 2)  # three generations: leave room for a son's family
    elif room < 4:
        wanted = min(room, rnd.choice((1, 2, 2, 3, 3, 4)))
    else:
        wanted = room - rnd.randint(0, 2)
    for _ in range(max(0, wanted)):
        age = mother_age - rnd.randint(21, 38)
        if age < 0:
            break
        relation = "son" if rnd.random() < 0.52 else "daughter"
        members.append(Member(relation, "male" if relation == "son" else "female", age))


def _add_next_generation(rnd: random.Random, members: list[Member], size: int) -> None:
    """A married son's wife (or a daughter's husband) and their children."""
    adults = [m for m in members if m.relation_to_head in ("son", "daughter") and m.age >= 22]
    if not adults or len(members) >= size:
        return
    parent = next((m for m in adults if m.sex == "male"), adults[0])
    in_law = "daughter_in_law" if parent.sex == "male" else "son_in_law"
    members.append(Member(in_law, _opposite(parent.sex), _spouse_age(rnd, parent)))
    mother_age = parent.age if parent.sex == "female" else members[-1].age
    while len(members) < size:
        age = mother_age - rnd.randint(21, 36)
        if age < 0:
            return
        members.append(Member("grandchild", rnd.choice(("male", "female")), age))


def assign_statuses(rnd: random.Random, members: list[Member], *, migrant: bool) -> None:
    """Most live here; many working-age adults work away (couples often together)."""
    if migrant:
        for member in members:
            member.residence_status = "incoming_migrant"
        return
    for member in members:
        chance = 0.3 if 20 <= member.age <= 50 else 0.06 if 16 <= member.age <= 59 else 0.0
        if rnd.random() < chance:
            member.residence_status = "working_away"
    away_couples = {"head": "spouse", "son": "daughter_in_law", "daughter": "son_in_law"}
    for one, other in away_couples.items():
        first = next((m for m in members if m.relation_to_head == one), None)
        second = next((m for m in members if m.relation_to_head == other), None)
        if first is None or second is None or first.residence_status != "working_away":
            continue
        if second.age <= 55 and rnd.random() < 0.55:
            second.residence_status = "working_away"


_PARENTS_OF = {
    "son": ("head", "spouse"),
    "daughter": ("head", "spouse"),
    "grandchild": ("son", "daughter", "daughter_in_law", "son_in_law"),
}


def _parents_away(member: Member, members: list[Member]) -> bool:
    relations = _PARENTS_OF.get(member.relation_to_head, ())
    parents = [m for m in members if m.relation_to_head in relations and m.age >= 18]
    return bool(parents) and all(p.residence_status == "working_away" for p in parents)


def assign_key_groups(rnd: random.Random, members: list[Member], *, low_income: bool) -> None:
    """Key-group tags at plausible rates, consistent with ages and the household."""
    here = [m for m in members if m.residence_status != "working_away"]
    working_age = [m for m in members if 18 <= m.age <= 59]
    for member in members:
        tags = member.key_groups
        is_here = member.residence_status != "working_away"
        if member.age >= 80:
            tags.append("elderly_80_plus")
        if member.age >= 60 and is_here:
            if len(here) == 1:
                tags.append("elderly_alone")
                if rnd.random() < 0.08:
                    tags.append("extreme_poverty")
            elif working_age and all(m.residence_status == "working_away" for m in working_age):
                tags.append("left_behind_elderly")
        if member.age < 16 and is_here and _parents_away(member, members):
            tags.append("left_behind_child")
        _assign_health_and_record(rnd, member)
        if low_income:
            tags.append("low_income")


def _assign_health_and_record(rnd: random.Random, member: Member) -> None:
    tags, age = member.key_groups, member.age
    if rnd.random() < (0.08 if age >= 60 else 0.015):
        tags.append("disabled")
    if age >= 45 and rnd.random() < 0.02:
        tags.append("serious_illness")
    if age >= 18 and rnd.random() < 0.003:
        tags.append("severe_mental_disorder")
    if member.sex == "male" and 38 <= age <= 85 and rnd.random() < 0.04:
        tags.append("veteran")
    if 20 <= age <= 60 and rnd.random() < 0.001:
        tags.append("community_correction")
    if member.sex == "male" and 25 <= age <= 65 and rnd.random() < 0.002:
        tags.append("released_prisoner")


def _generation(birth_year: int) -> str:
    return "old" if birth_year < 1970 else "middle" if birth_year < 2000 else "young"


def given_name(rnd: random.Random, sex: str, birth_year: int) -> str:
    pool = _GIVEN[(sex, _generation(birth_year))]
    length = 1 if rnd.random() < 0.2 else 2
    return "".join(rnd.choice(pool) for _ in range(length))


def surname_weights(rnd: random.Random) -> list[float]:
    """A village's surnames: the island's mix, with one or two clans much stronger."""
    weights = [float(w) for w in _SURNAME_WEIGHTS]
    for _ in range(rnd.randint(1, 2)):
        weights[rnd.randrange(len(weights))] *= rnd.uniform(3, 8)
    return weights


def assign_names(rnd: random.Random, members: list[Member], weights: list[float]) -> None:
    """Children carry their father's surname; spouses and in-laws keep their own."""
    migrant = members[0].residence_status == "incoming_migrant"

    def surname() -> str:
        if migrant:
            return rnd.choice(_MIGRANT_SURNAMES)
        return rnd.choices(SURNAMES, weights)[0]

    head = members[0]
    head_name = surname()
    spouse = next((m for m in members if m.relation_to_head == "spouse"), None)
    spouse_name = surname() if spouse else head_name
    children_name = head_name if head.sex == "male" else spouse_name
    by_relation = {
        "head": head_name,
        "parent": head_name,
        "sibling": head_name,
        "spouse": spouse_name,
        "parent_in_law": spouse_name,
        "son": children_name,
        "daughter": children_name,
        "grandchild": children_name,
    }
    for member in members:
        family_name = by_relation.get(member.relation_to_head) or surname()
        member.name = family_name + given_name(rnd, member.sex, member.birth_date.year)


def birth_date(rnd: random.Random, age: int, as_of: dt.date) -> dt.date:
    """A birth date making someone ``age`` years old on ``as_of``."""
    latest = dt.date(as_of.year - age, as_of.month, min(as_of.day, 28))
    return latest - dt.timedelta(days=rnd.randint(0, 364))


def native_region(year: int) -> str:
    """The island's region code as it stood in the birth year (see stdnum's cn/loc)."""
    if year < 1983:
        return "352326"  # 莆田县 of 莆田地区, until 1983
    if year < 2002:
        return "350321"  # 莆田县 of 莆田市, 1983-2002
    return "350305"  # 秀屿区, from 2002


def migrant_region(rnd: random.Random, year: int) -> str:
    """Where incoming migrants come from: Xianyou county next door, or inland Jiangxi."""
    if rnd.random() < 0.6:
        return "352327" if year < 1983 else "350322"  # 仙游县
    return "360121"  # 南昌县


class IdNumbers:
    """Unique, valid resident ID numbers (region + birth date + sequence + check digit)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.used: set[str] = set()

    def new(self, region: str, born: dt.date, sex: str) -> str:
        while True:
            # The sequence's last digit is odd for men, even for women.
            sequence = self.rnd.randrange(500) * 2 + (1 if sex == "male" else 0)
            body = f"{region}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


class Phones:
    """Unique mainland mobile numbers."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            number = self.rnd.choice(_MOBILE_PREFIXES) + f"{self.rnd.randrange(10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number


def has_phone(rnd: random.Random, age: int) -> bool:
    if age < 16:
        return False
    return rnd.random() < (0.45 if age >= 75 else 0.93)


@dataclass
class PeopleMaker:
    """Makes the members of household after household, from one random stream."""

    rnd: random.Random
    as_of: dt.date
    ids: IdNumbers = field(init=False)
    phones: Phones = field(init=False)

    def __post_init__(self) -> None:
        self.ids = IdNumbers(self.rnd)
        self.phones = Phones(self.rnd)

    def household(self, surname_mix: list[float]) -> list[Member]:
        rnd = self.rnd
        size = rnd.choices(list(HOUSEHOLD_SIZE_WEIGHTS), list(HOUSEHOLD_SIZE_WEIGHTS.values()))[0]
        migrant = rnd.random() < MIGRANT_HOUSEHOLD_SHARE
        members = family(rnd, size)
        assign_statuses(rnd, members, migrant=migrant)
        low_income = not migrant and rnd.random() < LOW_INCOME_HOUSEHOLD_SHARE
        assign_key_groups(rnd, members, low_income=low_income)
        for member in members:
            member.birth_date = birth_date(rnd, member.age, self.as_of)
            year = member.birth_date.year
            region = migrant_region(rnd, year) if migrant else native_region(year)
            member.id_number = self.ids.new(region, member.birth_date, member.sex)
            member.phone = self.phones.new() if has_phone(rnd, member.age) else None
        assign_names(rnd, members, surname_mix)
        return members
