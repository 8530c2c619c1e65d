"""Loading a (small) demo island through the real actions and the importer."""

from __future__ import annotations

from collections import Counter

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from gridgov.contacts.models import PartyMember
from gridgov.demo.load import has_territories, load_demo_island
from gridgov.posts.models import Post
from gridgov.registry.models import Household, KeyGroup, Resident, ResidentKeyGroup
from gridgov.territory.models import Territory

ACTOR = "test:demo"


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_small_island_loads_completely(session, small_island) -> None:
    assert not has_territories(session)
    stages: dict[str, int] = {}
    done: Counter[str] = Counter()

    def progress(description: str, total: int):
        stages[description] = total
        return lambda steps: done.update({description: steps})

    summary = load_demo_island(session, small_island, actor=ACTOR, progress=progress)

    assert has_territories(session)
    levels = dict(
        session.execute(select(Territory.level, func.count()).group_by(Territory.level)).all()
    )
    assert levels == {
        "district": 1,
        "town": 1,
        "village": 11,
        "grid": small_island.count("grid"),
        "unit": small_island.count("unit"),
    }
    assert summary.villages == 11 and summary.grids == levels["grid"]
    assert _count(session, Household) == summary.households == len(small_island.households)
    assert _count(session, Resident) == summary.residents == len(small_island.residents)
    tags = sum(len(r.key_groups) for r in small_island.residents)
    assert _count(session, ResidentKeyGroup) == tags > 0
    assert _count(session, Post) == summary.posts == len(small_island.posts)
    assert set(stages) == {"territories", "households", "residents", "posts", "party members"}
    assert done == stages  # every stage ran to its announced total
    assert _count(session, PartyMember) == summary.party_members == len(small_island.party_members)
    adults = sum(
        1
        for r in small_island.residents
        if r.residence_status == "living_here" and (2026 - r.birth_date.year) >= 19
    )
    # About 6% of adults (more where a small village needs one per 7 households).
    assert 0.05 * adults <= summary.party_members <= 0.07 * adults + 11 + summary.households / 7
    # Every household has a contact member (the members are enough at capacity 10).
    assert summary.contact_households == summary.households
    _check_places_and_people(session, small_island)
    _check_post_holders_live_where_they_lead(session, small_island)


def _check_places_and_people(session, small_island) -> None:
    spec = small_island.households[17]
    household = session.scalar(
        select(Household).where(
            Household.village_code == spec.village_code,
            Household.household_no == spec.household_no,
        )
    )
    assert household.unit_code == spec.unit_code
    assert (household.lon, household.lat) == pytest.approx((spec.lon, spec.lat), abs=1e-9)
    unit = session.scalar(select(Territory).where(Territory.code == spec.unit_code))
    assert shape(unit.boundary).distance(Point(household.lon, household.lat)) < 1e-9
    village = session.scalar(select(Territory).where(Territory.code == spec.village_code))
    assert shape(village.boundary).contains(Point(household.lon, household.lat))
    members = session.scalars(select(Resident).where(Resident.household_id == household.id)).all()
    expected = [
        r
        for r in small_island.residents
        if (r.village_code, r.household_no) == (spec.village_code, spec.household_no)
    ]
    assert sorted(m.id_number for m in members) == sorted(r.id_number for r in expected)
    assert {m.territory_code for m in members} == {spec.unit_code}


def _check_post_holders_live_where_they_lead(session, small_island) -> None:
    rows = session.execute(
        select(Post.post_type, Post.territory_code, Resident.territory_code, Post.end_date).join(
            Resident, Resident.id == Post.resident_id
        )
    ).all()
    assert Counter(row[0] for row in rows) == Counter(p.post_type for p in small_island.posts)
    for post_type, led, home, end_date in rows:
        assert home.startswith(led), (post_type, led, home)
        assert end_date is None


def test_every_key_group_the_full_island_uses_is_in_the_table(session, full_island) -> None:
    known = set(session.scalars(select(KeyGroup.code).where(KeyGroup.active.is_(True))))
    used = {tag for resident in full_island.residents for tag in resident.key_groups}
    assert used and used <= known
