"""Case categories, mapped territory trees and cases, through the real actions.

``make_categories`` seeds the real category tree; ``draw_polygons`` gives the grids and
units of a ``make_tree`` tree polygons (each village square cut into grid strips west to
east, each strip into unit rows south to north), so cases can be located by point;
``make_case`` reports one through ``cases.intake.check_report_case``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.cases.categories import list_categories, seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case, CaseCategory
from gridgov.registry.models import Household
from gridgov.territory.actions import check_update_territory
from gridgov.territory.models import Territory
from tests.factories.registry import make_household
from tests.factories.territory import Tree

ACTOR = "test:factory"
VILLAGE_SIZE = 0.01  # degrees, as tests.factories.territory.make_tree draws them


def make_categories(session: Session) -> dict[str, CaseCategory]:
    """The seed categories (added once per test transaction), by code."""
    seed_categories(session, actor=ACTOR)
    return {c.code: c for c in list_categories(session, include_inactive=True)}


def _rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def draw_polygons(session: Session, tree: Tree, *, units: bool = True) -> None:
    """Boundaries for every grid (and, with ``units``, every unit) of ``tree``."""
    for village in tree.villages:
        west, south, _east, _north = _bounds(village)
        grids = tree.grids[village.code]
        width = VILLAGE_SIZE / len(grids)
        for g, grid in enumerate(grids):
            grid_west = west + g * width
            check_update_territory(
                session,
                grid,
                boundary=_rectangle(grid_west, south, grid_west + width, south + VILLAGE_SIZE),
                actor=ACTOR,
            )
            if not units:
                continue
            unit_nodes = tree.units[grid.code]
            height = VILLAGE_SIZE / len(unit_nodes)
            for u, unit in enumerate(unit_nodes):
                check_update_territory(
                    session,
                    unit,
                    boundary=_rectangle(
                        grid_west, south + u * height, grid_west + width, south + (u + 1) * height
                    ),
                    actor=ACTOR,
                )


def _bounds(node: Territory) -> tuple[float, float, float, float]:
    ring = node.boundary["coordinates"][0]  # type: ignore[index]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def centre(node: Territory) -> tuple[float, float]:
    """A point inside the node's boundary (lon, lat)."""
    assert node.center_lon is not None and node.center_lat is not None, node.code
    return node.center_lon, node.center_lat


def principal_of(session: Session, user: User) -> Principal:
    return principal_for(session, user)


def make_case(
    session: Session,
    *,
    category_code: str = "sanitation.garbage",
    unit: Territory | None = None,
    household: Household | None = None,
    lon: float | None = None,
    lat: float | None = None,
    reporter: User | None = None,
    description: str = "垃圾堆在路边三天没人清理",
    channel: str = "cli",
    actor: str = ACTOR,
    **fields: Any,
) -> Case:
    """A case reported through the real intake. Located by ``household``, else by the
    point, else in ``unit`` (through a new household there). Categories are seeded first."""
    if session.get(CaseCategory, category_code) is None:
        seed_categories(session, actor=ACTOR)
    if household is None and lon is None and unit is not None:
        household = make_household(session, unit=unit)
    principal = principal_for(session, reporter) if reporter is not None else None
    case, _created = check_report_case(
        session,
        category_code=category_code,
        description=description,
        channel=channel,
        actor=actor,
        reporter_user_id=reporter.id if reporter is not None else None,
        lon=lon,
        lat=lat,
        household_id=household.id if household is not None else None,
        principal=principal,
        **fields,
    )
    return case
