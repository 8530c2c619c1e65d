"""The demo island generator, as plain data: shape, tiling, placement, division, people."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point
from stdnum.cn import ric

from gridgov.demo.generate import (
    DEFAULT_AS_OF,
    TOWN_CODE,
    DemoIsland,
    HouseholdSpec,
    ResidentSpec,
    TerritorySpec,
    build_demo_island,
)
from gridgov.demo.island import VILLAGE_NAMES, Projection
from gridgov.registry.models import RELATIONS
from gridgov.registry.validation import (
    clean_id_number,
    clean_mobile_phone,
    id_number_disagreement,
)
from gridgov.validation import FieldProblem

KEY_GROUP_CODES = {
    "elderly_alone",
    "elderly_80_plus",
    "disabled",
    "low_income",
    "extreme_poverty",
    "left_behind_child",
    "left_behind_elderly",
    "veteran",
    "serious_illness",
    "severe_mental_disorder",
    "community_correction",
    "released_prisoner",
}


def _nodes(demo: DemoIsland, level: str) -> list[TerritorySpec]:
    return [node for node in demo.territories if node.level == level]


def _age(resident: ResidentSpec) -> int:
    born, today = resident.birth_date, DEFAULT_AS_OF
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _households_by(demo: DemoIsland, length: int) -> dict[str, list[HouseholdSpec]]:
    grouped: dict[str, list[HouseholdSpec]] = defaultdict(list)
    for household in demo.households:
        grouped[household.unit_code[:length]].append(household)
    return grouped


def _centre(households: list[HouseholdSpec]) -> tuple[float, float]:
    return statistics.fmean(h.lon for h in households), statistics.fmean(h.lat for h in households)


def _in_metres(geometry):
    return shapely.transform(geometry, Projection().to_metres)


# --- reproducibility -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_island() -> None:
    first, second = build_demo_island(3, scale=0.05), build_demo_island(3, scale=0.05)
    assert first.households == second.households
    assert first.residents == second.residents
    assert first.posts == second.posts
    assert [(n.code, n.name_zh) for n in first.territories] == [
        (n.code, n.name_zh) for n in second.territories
    ]
    for one, other in zip(first.territories, second.territories, strict=True):
        assert (one.boundary is None and other.boundary is None) or one.boundary.equals_exact(
            other.boundary, 0
        )


def test_another_seed_gives_another_island() -> None:
    first, other = build_demo_island(3, scale=0.05), build_demo_island(4, scale=0.05)
    assert not first.island.equals(other.island)
    assert {r.id_number for r in first.residents}.isdisjoint({r.id_number for r in other.residents})


# --- land and villages -----------------------------------------------------------------


def test_the_island_is_long_narrow_and_fourteen_square_kilometres(full_island) -> None:
    island = _in_metres(full_island.island)
    min_x, min_y, max_x, max_y = island.bounds
    assert island.is_valid and island.geom_type == "Polygon"
    assert island.area == pytest.approx(14.0e6, rel=0.01)
    assert max_y - min_y == pytest.approx(9_600, abs=5)
    for y in np.linspace(min_y + 0.1 * 9_600, max_y - 0.1 * 9_600, 30):
        width = island.intersection(LineString([(min_x - 1, y), (max_x + 1, y)])).length
        assert 900 <= width <= 2_200, f"{width:.0f} m wide at y={y:.0f}"
    centre = full_island.island.centroid
    assert centre.x == pytest.approx(119.125, abs=0.01)
    assert centre.y == pytest.approx(25.07, abs=0.01)


def test_the_eleven_villages_tile_the_island_north_to_south(full_island) -> None:
    villages = _nodes(full_island, "village")
    assert [v.code for v in villages] == [f"{TOWN_CODE}{201 + i}" for i in range(11)]
    assert [v.name_en for v in villages] == [name.name_en for name in VILLAGE_NAMES]
    assert villages[0].name_zh == "宫下村" and villages[-1].name_zh == "下山村"
    areas = [_in_metres(v.boundary) for v in villages]
    island = _in_metres(full_island.island)
    assert shapely.union_all(areas).area == pytest.approx(island.area, rel=1e-9)
    assert sum(a.area for a in areas) == pytest.approx(island.area, rel=1e-9)
    for one, other in itertools.combinations(areas, 2):
        assert one.intersection(other).area < 1e-3  # square metres: shared edges only
    latitudes = [v.boundary.centroid.y for v in villages]
    assert latitudes == sorted(latitudes, reverse=True)
    town = _nodes(full_island, "town")[0]
    assert town.code == TOWN_CODE and town.boundary.equals(full_island.island)


def test_every_household_stands_in_its_village_grid_and_unit(small_island) -> None:
    boundaries = {node.code: node.boundary for node in small_island.territories}
    for household in small_island.households:
        point = Point(household.lon, household.lat)
        assert boundaries[household.village_code].contains(point), household
        assert shapely.dwithin(boundaries[household.unit_code], point, 1e-9), household
        assert shapely.dwithin(boundaries[household.unit_code[:15]], point, 1e-9), household


def test_grids_stay_in_their_village_and_units_in_their_grid(full_island) -> None:
    boundaries = {node.code: _in_metres(node.boundary) for node in full_island.territories[1:]}
    for node in full_island.territories:
        if node.level not in ("grid", "unit"):
            continue
        area, parent = boundaries[node.code], boundaries[node.parent_code]
        assert node.code.startswith(node.parent_code)
        assert area.is_valid and area.area > 0
        assert area.difference(parent).area < 1e-3, node.code  # square metres
    for village in _nodes(full_island, "village"):
        grids = [
            boundaries[g.code] for g in full_island.territories if g.parent_code == village.code
        ]
        assert shapely.union_all(grids).area == pytest.approx(
            boundaries[village.code].area, rel=1e-6
        )


def test_households_cluster_in_settlements_not_spread_evenly(full_island) -> None:
    # On a 100 m grid, evenly spread houses (7 per cell) would leave almost no cell empty.
    island = _in_metres(full_island.island)
    xy = Projection().to_metres(np.array([(h.lon, h.lat) for h in full_island.households]))
    min_x, min_y, max_x, max_y = island.bounds
    cells = np.array(
        [[x, y] for x in np.arange(min_x, max_x, 100) for y in np.arange(min_y, max_y, 100)]
    )
    land_cells = cells[shapely.contains_xy(island, cells[:, 0] + 50, cells[:, 1] + 50)]
    occupied = {(int((x - min_x) // 100), int((y - min_y) // 100)) for x, y in xy}
    share = len(occupied) / len(land_cells)
    assert share < 0.6, f"{share:.0%} of the land has houses"
    settlements = {(h.village_code, h.settlement) for h in full_island.households}
    assert 30 <= len(settlements) <= 70


# --- division --------------------------------------------------------------------------


def _target_count(households: int, low: int, high: int, target: int) -> int:
    """round(households / target) clamped to the feasible range (the issue's rule)."""
    return min(max(round(households / target), math.ceil(households / high)), households // low)


def test_grid_and_unit_counts_are_the_targets_and_sizes_stay_in_bounds(full_island) -> None:
    villages = _households_by(full_island, 12)
    grids, units = _households_by(full_island, 15), _households_by(full_island, 17)
    assert len(full_island.households) == 10_500
    assert full_island.division_exceptions == []
    for village, members in villages.items():
        village_grids = [code for code in grids if code.startswith(village)]
        assert len(village_grids) == _target_count(len(members), 25, 45, 36), village
    for grid, members in grids.items():
        grid_units = [code for code in units if code.startswith(grid)]
        assert len(grid_units) == _target_count(len(members), 4, 8, 6), grid
    # Meizhou has 289 grids and 1,650 units: the engine aims at 36 and 6 households.
    assert 280 <= len(grids) == full_island.count("grid") <= 300
    assert 1_650 <= len(units) == full_island.count("unit") <= 1_800
    assert all(25 <= len(members) <= 45 for members in grids.values())
    assert all(4 <= len(members) <= 8 for members in units.values())


def test_a_small_island_lists_every_grid_it_cannot_fit_in_bounds(small_island) -> None:
    # A twentieth of the houses leaves settlements of ~50 households: one grid is too big,
    # two are too small, and the engine says so instead of hiding it.
    grids = _households_by(small_island, 15)
    outside = {code for code, members in grids.items() if not 25 <= len(members) <= 45}
    listed = {
        f"{e.village}{e.grid_serial:03d}"
        for e in small_island.division_exceptions
        if e.level == "grid"
    }
    assert outside and outside <= listed
    assert all(e.reason for e in small_island.division_exceptions)
    assert {e.village for e in small_island.division_exceptions} <= {
        v.code for v in _nodes(small_island, "village")
    }


def test_codes_are_numbered_west_to_east_north_to_south(full_island) -> None:
    for village in _nodes(full_island, "village"):
        grids = sorted(g.code for g in _nodes(full_island, "grid") if g.parent_code == village.code)
        assert grids == [f"{village.code}{n:03d}" for n in range(1, len(grids) + 1)]
        first, last = grids[0], grids[-1]
        houses = _households_by(full_island, 15)
        mean_lat = {code: statistics.fmean(h.lat for h in houses[code]) for code in (first, last)}
        assert mean_lat[first] > mean_lat[last]
    units = _households_by(full_island, 17)
    units_of: dict[str, list[str]] = defaultdict(list)
    for code in sorted(units):
        units_of[code[:15]].append(code)
    reading_order = []
    for grid, grid_units in units_of.items():
        assert grid_units == [f"{grid}{n:02d}" for n in range(1, len(grid_units) + 1)]
        first, last = (_centre(units[code]) for code in (grid_units[0], grid_units[-1]))
        reading_order.append(first[1] > last[1] or first[0] < last[0])
    # Units go row by row: the first is north of the last, or west of it in a single row.
    assert all(reading_order)


def test_household_numbers_and_addresses(full_island) -> None:
    numbers = Counter((h.village_code, h.household_no) for h in full_island.households)
    assert max(numbers.values()) == 1
    names = {v.code: v.name_zh for v in _nodes(full_island, "village")}
    for household in full_island.households:
        assert household.address.startswith(
            f"湄洲镇{names[household.village_code]}{household.settlement}"
        )
        assert household.address.endswith("号")
        assert household.unit_code.startswith(household.village_code)


# --- people ----------------------------------------------------------------------------


def test_households_and_ages_look_like_a_fujian_island(full_island) -> None:
    residents = full_island.residents
    assert 38_000 <= len(residents) <= 42_000
    sizes = Counter((r.village_code, r.household_no) for r in residents)
    assert len(sizes) == len(full_island.households)  # nobody lives in an empty house
    assert set(sizes.values()) <= set(range(1, 9))
    assert 3.6 <= statistics.fmean(sizes.values()) <= 4.0
    ages = [_age(r) for r in residents]
    assert all(0 <= age <= 100 for age in ages)
    share = lambda test: sum(map(test, ages)) / len(ages)  # noqa: E731
    assert 0.10 <= share(lambda a: a < 15) <= 0.22
    assert 0.14 <= share(lambda a: a >= 60) <= 0.28
    assert 0.01 <= share(lambda a: a >= 80) <= 0.05
    sexes = Counter(r.sex for r in residents)
    assert 0.45 <= sexes["female"] / len(residents) <= 0.5


def test_every_household_has_one_head_and_known_relations(full_island) -> None:
    heads = Counter(
        (r.village_code, r.household_no)
        for r in full_island.residents
        if r.relation_to_head == "head"
    )
    assert len(heads) == len(full_island.households) and set(heads.values()) == {1}
    assert {r.relation_to_head for r in full_island.residents} <= set(RELATIONS)


def test_residence_statuses_are_mostly_living_here(full_island) -> None:
    statuses = Counter(r.residence_status for r in full_island.residents)
    total = len(full_island.residents)
    assert set(statuses) == {"living_here", "working_away", "incoming_migrant"}
    assert statuses["living_here"] / total > 0.7
    assert 0.08 <= statuses["working_away"] / total <= 0.25
    assert 0.01 <= statuses["incoming_migrant"] / total <= 0.05


def test_key_groups_are_known_plausible_and_consistent(full_island) -> None:
    tags = Counter(tag for r in full_island.residents for tag in r.key_groups)
    assert set(tags) == KEY_GROUP_CODES
    total = len(full_island.residents)
    for tag in ("elderly_alone", "elderly_80_plus", "disabled", "low_income", "left_behind_child"):
        assert 0.005 <= tags[tag] / total <= 0.06, tag
    for resident in full_island.residents:
        age = _age(resident)
        assert len(set(resident.key_groups)) == len(resident.key_groups)
        if "elderly_80_plus" in resident.key_groups:
            assert age >= 80
        if "elderly_alone" in resident.key_groups or "left_behind_elderly" in resident.key_groups:
            assert age >= 60 and resident.residence_status != "working_away"
        if "left_behind_child" in resident.key_groups:
            assert age < 16


def _native_region(year: int) -> str:
    return "352326" if year < 1983 else "350321" if year < 2002 else "350305"


def test_id_numbers_are_valid_and_agree_with_birth_and_sex(small_island) -> None:
    # Full validation (checksum, date, region valid in the birth year) is slow: a sample.
    for resident in small_island.residents:
        assert clean_id_number(resident.id_number) == resident.id_number
        assert not id_number_disagreement(
            resident.id_number, birth_date=resident.birth_date, sex=resident.sex
        )


def test_id_numbers_are_unique_with_the_island_region_code(full_island) -> None:
    numbers = [r.id_number for r in full_island.residents]
    assert len(set(numbers)) == len(numbers)
    for resident in full_island.residents:
        number = resident.id_number
        assert number[-1] == ric.calc_check_digit(number)
        assert number[6:14] == f"{resident.birth_date:%Y%m%d}"
        assert int(number[16]) % 2 == (1 if resident.sex == "male" else 0)
        if resident.residence_status != "incoming_migrant":
            assert number.startswith(_native_region(resident.birth_date.year))
    migrants = {
        r.id_number[:6] for r in full_island.residents if r.residence_status == "incoming_migrant"
    }
    assert migrants and not migrants & {"352326", "350321", "350305"}


def test_phones_are_valid_mobiles(small_island) -> None:
    for resident in small_island.residents:
        if resident.phone is not None:
            try:
                assert clean_mobile_phone(resident.phone) == resident.phone
            except FieldProblem as exc:  # pragma: no cover - a failure message worth reading
                pytest.fail(f"{resident.phone}: {exc}")


def test_phones_are_unique_and_for_grown_ups_only(full_island) -> None:
    phones = [r.phone for r in full_island.residents if r.phone]
    assert len(set(phones)) == len(phones)
    adults = [r for r in full_island.residents if _age(r) >= 18]
    assert sum(1 for r in adults if r.phone) / len(adults) > 0.75
    assert all(_age(r) >= 16 for r in full_island.residents if r.phone)


def test_names_are_chinese_with_putian_surnames(full_island) -> None:
    names = [r.name for r in full_island.residents]
    assert all(2 <= len(name) <= 3 for name in names)
    surnames = Counter(name[0] for name in names)
    assert surnames.most_common(1)[0][0] == "林"
    assert {"林", "陈", "黄", "朱", "吴", "郑"} <= set(surnames)


# --- posts -----------------------------------------------------------------------------


def test_every_node_has_its_leader_living_there(full_island) -> None:
    posts = Counter(p.post_type for p in full_island.posts)
    assert posts == {
        "village_secretary": 11,
        "grid_leader": full_island.count("grid"),
        "unit_leader": full_island.count("unit"),
    }
    by_id = {r.id_number: r for r in full_island.residents}
    unit_of = {(h.village_code, h.household_no): h.unit_code for h in full_island.households}
    led = Counter((p.post_type, p.territory_code) for p in full_island.posts)
    assert max(led.values()) == 1
    for post in full_island.posts:
        holder = by_id[post.id_number]
        assert unit_of[(holder.village_code, holder.household_no)].startswith(post.territory_code)
        assert holder.residence_status == "living_here" and _age(holder) >= 18
        assert post.start_date < DEFAULT_AS_OF
