"""The whole demo island as plain data: territories, households, residents, posts (pure).

``build_demo_island(seed=7)`` gives the same data for the same seed, scale and date; only
the database ids and timestamps of a load differ. Random streams are spawned per part
(land, each village's houses, people, posts), so changing one part leaves the others be.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from gridgov.demo.division import GridPlan, divide_villages
from gridgov.demo.island import (
    VILLAGE_NAMES,
    Projection,
    VillageName,
    island_shape,
    main_road,
    place_households,
    village_polygons,
    village_settlements,
)
from gridgov.demo.people import Member, PeopleMaker, surname_weights
from gridgov.partition.constraints import DivisionException
from gridgov.territory.codes import CODE_LENGTH, Level, child_code

DISTRICT_CODE, TOWN_CODE = "350305", "350305108"
HOUSEHOLDS_AT_FULL_SCALE = 10_500
DEFAULT_AS_OF = dt.date(2026, 1, 1)
ADULT_AGE = 18


@dataclass(frozen=True)
class TerritorySpec:
    code: str
    level: str
    name_zh: str
    name_en: str
    parent_code: str | None
    boundary: BaseGeometry | None  # WGS84 lon/lat


@dataclass(frozen=True)
class HouseholdSpec:
    village_code: str
    household_no: str
    address: str
    unit_code: str
    lon: float
    lat: float
    settlement: str


@dataclass(frozen=True)
class ResidentSpec:
    village_code: str
    household_no: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    phone: str | None
    relation_to_head: str
    residence_status: str
    key_groups: tuple[str, ...]

    @classmethod
    def of(cls, household: HouseholdSpec, member: Member) -> ResidentSpec:
        return cls(
            village_code=household.village_code,
            household_no=household.household_no,
            name=member.name,
            sex=member.sex,
            birth_date=member.birth_date,
            id_number=member.id_number,
            phone=member.phone,
            relation_to_head=member.relation_to_head,
            residence_status=member.residence_status,
            key_groups=tuple(member.key_groups),
        )


@dataclass(frozen=True)
class PostSpec:
    post_type: str
    territory_code: str
    id_number: str  # of the holder: unique, so it finds the resident after the import
    start_date: dt.date


@dataclass(frozen=True)
class PartyMemberSpec:
    id_number: str  # of the member: finds the resident after the import
    branch: str
    joined_on: dt.date


@dataclass
class DemoIsland:
    seed: int
    island: BaseGeometry  # WGS84 lon/lat
    territories: list[TerritorySpec] = field(default_factory=list)
    households: list[HouseholdSpec] = field(default_factory=list)
    residents: list[ResidentSpec] = field(default_factory=list)
    posts: list[PostSpec] = field(default_factory=list)
    party_members: list[PartyMemberSpec] = field(default_factory=list)
    # What the grid-division engine could not fit in its bounds (none on the real island).
    division_exceptions: list[DivisionException] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for node in self.territories if node.level == level)


@dataclass
class _VillagePlan:
    """One village while it is being built: its area and houses in WGS84 lon/lat."""

    spec: VillageName
    code: str
    boundary: BaseGeometry  # WGS84 lon/lat
    lonlat: np.ndarray  # the houses as stored: rounded to 1e-7 degrees
    settlement_names: list[str]
    settlement_of: np.ndarray


def build_demo_island(
    seed: int = 7, *, scale: float = 1.0, as_of: dt.date = DEFAULT_AS_OF
) -> DemoIsland:
    """The Meizhou-like island; ``scale`` shrinks the number of households (tests)."""
    streams = np.random.SeedSequence(seed).spawn(3)
    land_rng = np.random.default_rng(streams[0])
    projection = Projection()
    island = island_shape(land_rng)
    road = main_road(island, land_rng)
    areas = village_polygons(island, land_rng)
    counts = _village_household_counts(round(HOUSEHOLDS_AT_FULL_SCALE * scale))
    village_streams = streams[1].spawn(len(areas))
    plans = [
        _plan_village(spec, area, count, island, road, np.random.default_rng(stream), projection)
        for spec, area, count, stream in zip(
            VILLAGE_NAMES, areas, counts, village_streams, strict=True
        )
    ]
    demo = DemoIsland(seed=seed, island=projection.geometry_to_lonlat(island))
    demo.territories += _top_nodes(demo.island)
    people = PeopleMaker(random.Random(int(streams[2].generate_state(1)[0])), as_of)
    island_division = divide_villages(
        [p.code for p in plans], [p.lonlat for p in plans], [p.boundary for p in plans]
    )
    demo.division_exceptions = island_division.exceptions
    for plan, grids in zip(plans, island_division.grids, strict=True):
        _build_village(demo, plan, grids, people)
    demo.posts = choose_posts(demo, random.Random(seed), as_of=as_of)
    # A stream of its own, so the posts stay what they were before members existed.
    demo.party_members = choose_party_members(demo, random.Random(seed + 1), as_of=as_of)
    return demo


def _village_household_counts(total: int) -> list[int]:
    weights = np.array([village.weight for village in VILLAGE_NAMES])
    return _largest_remainder(total, weights)


def _largest_remainder(total: int, weights: np.ndarray) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (summing to ``total``)."""
    exact = total * weights / weights.sum()
    sizes = np.floor(exact).astype(int)
    short = total - int(sizes.sum())
    sizes[np.argsort(-(exact - sizes), kind="stable")[:short]] += 1
    return sizes.tolist()


def _plan_village(
    spec: VillageName,
    area: BaseGeometry,
    count: int,
    island: Polygon,
    road: LineString,
    rng: np.random.Generator,
    projection: Projection,
) -> _VillagePlan:
    settlements = village_settlements(area, island, road, rng)
    xy, owner = place_households(area, settlements, count, rng)
    # Houses are stored rounded to 1e-7 degrees; divide and draw cells on exactly those.
    lonlat = np.round(projection.to_lonlat(xy), 7)
    return _VillagePlan(
        spec=spec,
        code=child_code(TOWN_CODE, "village", spec.serial),
        boundary=projection.geometry_to_lonlat(area),
        lonlat=lonlat,
        settlement_names=[s.name_zh for s in settlements],
        settlement_of=owner,
    )


def _top_nodes(island: BaseGeometry) -> list[TerritorySpec]:
    return [
        TerritorySpec(DISTRICT_CODE, "district", "秀屿区", "Xiuyu", None, None),
        TerritorySpec(TOWN_CODE, "town", "湄洲镇", "Meizhou", DISTRICT_CODE, island),
    ]


def _build_village(
    demo: DemoIsland,
    plan: _VillagePlan,
    grids: list[GridPlan],
    people: PeopleMaker,
) -> None:
    """The village node, its grids and units with boundaries, its households and people."""
    builder = _VillageBuilder(demo, plan, people)
    builder.add_node(plan.code, "village", "", plan.boundary)
    for grid in grids:
        grid_code = child_code(plan.code, "grid", grid.serial)
        # The engine's grid is the union of its units: units lie in their grid.
        builder.add_node(grid_code, "grid", f"第{grid.serial}网格", grid.boundary)
        for unit in grid.units:
            unit_code = child_code(grid_code, "unit", unit.serial)
            label = f"第{grid.serial}网格第{unit.serial}单元"
            builder.add_node(unit_code, "unit", label, unit.boundary)
            for index in unit.households:
                builder.add_household(int(index), unit_code)


class _VillageBuilder:
    """Appends one village's nodes, households and residents to the island, in order."""

    def __init__(self, demo: DemoIsland, plan: _VillagePlan, people: PeopleMaker) -> None:
        self.demo, self.plan, self.people = demo, plan, people
        self.surnames = surname_weights(people.rnd)
        self.lonlat = plan.lonlat.tolist()
        self.house_numbers = [0] * len(plan.settlement_names)
        self.household_count = 0

    def add_node(self, code: str, level: str, label: str, boundary: BaseGeometry) -> None:
        spec = self.plan.spec
        parent = TOWN_CODE if level == "village" else code[: CODE_LENGTH[_PARENT[level]]]
        name_en = spec.name_en + _label_en(code, level)
        self.demo.territories.append(
            TerritorySpec(
                code,
                level,
                f"{spec.name_zh}村{label}",
                name_en,
                parent,
                boundary,
            )
        )

    def add_household(self, index: int, unit_code: str) -> None:
        self.household_count += 1
        settlement = int(self.plan.settlement_of[index])
        self.house_numbers[settlement] += 1
        name = self.plan.settlement_names[settlement]
        lon, lat = self.lonlat[index]
        household = HouseholdSpec(
            village_code=self.plan.code,
            household_no=f"{self.household_count:04d}",
            address=f"湄洲镇{self.plan.spec.name_zh}村{name}{self.house_numbers[settlement]}号",
            unit_code=unit_code,
            lon=lon,
            lat=lat,
            settlement=name,
        )
        self.demo.households.append(household)
        members = self.people.household(self.surnames)
        self.demo.residents += [ResidentSpec.of(household, member) for member in members]


_PARENT: dict[str, Level] = {"grid": "village", "unit": "grid"}


def _label_en(code: str, level: str) -> str:
    """ " grid 3" or " grid 3 unit 2" from a code (empty for a village)."""
    if level == "village":
        return ""
    grid = f" grid {int(code[12:15])}"
    return grid if level == "grid" else f"{grid} unit {int(code[15:17])}"


def choose_posts(demo: DemoIsland, rnd: random.Random, *, as_of: dt.date) -> list[PostSpec]:
    """A grid leader per grid, a unit leader per unit, a secretary per village.

    Holders are adults living here, from the grid or unit they lead, aged 25-65 when
    there is such a person.
    """
    unit_of = {(h.village_code, h.household_no): h.unit_code for h in demo.households}
    living_in: dict[str, list[ResidentSpec]] = {}  # by village, grid and unit code
    for resident in demo.residents:
        unit_code = unit_of[(resident.village_code, resident.household_no)]
        for level in ("village", "grid", "unit"):
            living_in.setdefault(unit_code[: CODE_LENGTH[level]], []).append(resident)
    posts: list[PostSpec] = []
    taken: set[str] = set()
    for node in demo.territories:
        if node.level not in ("village", "grid", "unit"):
            continue
        pool = living_in.get(node.code, [])
        holder = _pick_holder(pool, taken, rnd, as_of=as_of, village=node.level == "village")
        if holder is None:
            continue
        taken.add(holder.id_number)
        post_type = {"village": "village_secretary", "grid": "grid_leader"}.get(
            node.level, "unit_leader"
        )
        years_back = 8 if node.level == "village" else 5
        start = as_of - dt.timedelta(days=rnd.randint(60, 365 * years_back))
        posts.append(PostSpec(post_type, node.code, holder.id_number, start))
    return posts


def _age(resident: ResidentSpec, as_of: dt.date) -> int:
    born = resident.birth_date
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def _pick_holder(
    pool: list[ResidentSpec],
    taken: set[str],
    rnd: random.Random,
    *,
    as_of: dt.date,
    village: bool,
) -> ResidentSpec | None:
    low, high = (35, 60) if village else (25, 65)
    here = [r for r in pool if r.residence_status == "living_here"]
    free = [r for r in here if r.id_number not in taken]
    # Prefer someone without a post yet; in a tiny unit the grid leader may lead it too.
    for candidates in (free, here):
        for ages in ((low, high), (ADULT_AGE, 75), (ADULT_AGE, 120)):
            fitting = [r for r in candidates if ages[0] <= _age(r, as_of) <= ages[1]]
            if fitting:
                return rnd.choice(fitting)
    return None


PARTY_SHARE = 0.06  # of the adults living here (the island's party members)
HOUSEHOLDS_PER_MEMBER = 7  # at least one member per so many households of a village


def choose_party_members(
    demo: DemoIsland, rnd: random.Random, *, as_of: dt.date
) -> list[PartyMemberSpec]:
    """About PARTY_SHARE of the adults living here, each in their village's branch, having
    joined at 18 or later; a village has at least one member per HOUSEHOLDS_PER_MEMBER
    households, so that the assignment gives every household a member (a small test
    island would otherwise leave some villages short)."""
    names = {node.code: node.name_zh for node in demo.territories if node.level == "village"}
    households = Counter(h.village_code for h in demo.households)
    adults: dict[str, list[ResidentSpec]] = {}
    for r in demo.residents:
        if r.residence_status == "living_here" and _age(r, as_of) >= ADULT_AGE:
            adults.setdefault(r.village_code, []).append(r)
    chosen: list[ResidentSpec] = []
    for village, pool in sorted(adults.items()):
        wanted = max(
            round(PARTY_SHARE * len(pool)), -(-households[village] // HOUSEHOLDS_PER_MEMBER)
        )
        chosen += rnd.sample(pool, min(wanted, len(pool)))
    members = []
    for resident in sorted(chosen, key=lambda r: r.id_number):
        years = rnd.randint(0, max(0, min(_age(resident, as_of) - ADULT_AGE, 50)))
        joined = as_of - dt.timedelta(days=365 * years + rnd.randint(1, 300))
        branch = f"{names.get(resident.village_code, resident.village_code)}党支部"
        members.append(PartyMemberSpec(resident.id_number, branch, joined))
    return members
