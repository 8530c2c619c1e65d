from __future__ import annotations

import pytest

from gridgov.cases.locate import locate, locate_point, polygon_index
from gridgov.errors import ValidationFailed
from gridgov.territory.actions import check_update_territory
from tests.factories.cases import centre, draw_polygons
from tests.factories.registry import make_household
from tests.factories.territory import make_tree, square

OUTSIDE = (118.5, 24.5)


def _locate(session, **kwargs):
    values = {"household": None, "lon": None, "lat": None, "reporter_household_code": None}
    return locate(session, **{**values, **kwargs})


def test_a_point_lands_in_its_unit_else_grid_else_village(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=3)
    draw_polygons(session, tree)
    for unit in tree.all_units():
        lon, lat = centre(unit)
        found = _locate(session, lon=lon, lat=lat)
        assert (found.territory_code, found.located_by) == (unit.code, "point")
    # The second village's grids get polygons but no unit has one: the grid is found.
    second = make_tree(session, villages=1, grids_per_village=2, town_code="350305109")
    village = second.villages[0]
    check_update_territory(session, village, boundary=square(119.3, 25.0), actor="test")
    grid = second.grids[village.code][1]
    check_update_territory(session, grid, boundary=square(119.305, 25.0, 0.005), actor="test")
    assert locate_point(session, 119.307, 25.002) == grid.code
    # Inside the village, outside every grid polygon: the village.
    assert locate_point(session, 119.301, 25.008) == village.code


def test_a_point_outside_every_village_is_refused_naming_lon_and_lat(session) -> None:
    tree = make_tree(session, villages=1)
    draw_polygons(session, tree)
    with pytest.raises(ValidationFailed) as refused:
        _locate(session, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert set(refused.value.fields) == {"lon", "lat"}
    assert "outside the territory" in refused.value.fields["lon"]


def test_household_first_then_point_then_reporter(session) -> None:
    tree = make_tree(session, villages=1)
    draw_polygons(session, tree)
    first, second = tree.all_units()[:2]
    household = make_household(session, unit=first)
    lon, lat = centre(second)
    by_household = _locate(session, household=household, lon=lon, lat=lat)
    assert (by_household.territory_code, by_household.located_by) == (first.code, "household")
    by_reporter = _locate(session, reporter_household_code=second.code)
    assert (by_reporter.territory_code, by_reporter.located_by) == (second.code, "reporter")
    unplaced = make_household(session, unit=tree.villages[0])
    assert _locate(session, household=unplaced).territory_code == tree.villages[0].code
    with pytest.raises(ValidationFailed) as refused:
        _locate(session)
    assert set(refused.value.fields) == {"location"}


def test_the_index_sees_a_redrawn_division(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    draw_polygons(session, tree)
    south, north = tree.all_units()
    lon, lat = centre(south)
    before = polygon_index(session)
    assert locate_point(session, lon, lat) == south.code
    assert polygon_index(session) is before  # cached while nothing changes
    # Swap the two units' areas: the same point now lies in the other unit.
    south_area, north_area = south.boundary, north.boundary
    check_update_territory(session, north, boundary=south_area, actor="test")
    check_update_territory(session, south, boundary=north_area, actor="test")
    assert polygon_index(session) is not before
    assert locate_point(session, lon, lat) == north.code
