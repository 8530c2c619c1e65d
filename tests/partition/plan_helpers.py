"""A small village with located households, placed in old grids and units, for plan tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.partition.constraints import Bounds
from gridgov.partition.plans import check_create_plan
from gridgov.posts.actions import check_start_post
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree

GRIDS = Bounds(25, 45, 36)
UNITS = Bounds(4, 8, 6)


@dataclass
class Village:
    tree: Tree
    village: Territory
    households: list[Household]
    residents: list[Resident]


def located_village(
    session: Session,
    *,
    households: int = 60,
    grids: int = 3,
    units: int = 2,
    seed: int = 7,
    villages: int = 1,
    unlocated: int = 0,
) -> Village:
    """Households at random points in the first village's square, placed in the old grid
    (and unit) of their west-to-east band: each old grid too small, so the plan redoes it."""
    tree = make_tree(session, villages=villages, grids_per_village=grids, units_per_grid=units)
    village = tree.villages[0]
    rng = np.random.default_rng(seed)
    west, south = 119.1 + 0.01 * 1, 25.0
    lon = west + 0.0005 + rng.random(households) * 0.009
    lat = south + 0.0005 + rng.random(households) * 0.009
    band = np.minimum(((lon - west) / 0.01 * grids).astype(int), grids - 1)
    sub = np.minimum(((lat - south) / 0.01 * units).astype(int), units - 1)
    made, people = [], []
    for index in range(households):
        grid = tree.grids[village.code][int(band[index])]
        unit = tree.units[grid.code][int(sub[index])]
        household = make_household(
            session, unit=unit, lon=round(float(lon[index]), 7), lat=round(float(lat[index]), 7)
        )
        made.append(household)
        if index % 10 == 0:
            people.append(make_resident(session, household=household))
    for _ in range(unlocated):
        made.append(make_household(session, unit=tree.units[tree.grids[village.code][-1].code][0]))
    return Village(tree, village, made, people)


def appoint_grid_leaders(session: Session, village: Village) -> None:
    """A grid leader on every old grid (residents of the village)."""
    for grid, resident in zip(
        village.tree.grids[village.village.code], village.residents, strict=False
    ):
        check_start_post(
            session,
            resident_id=resident.id,
            post_type="grid_leader",
            territory_code=grid.code,
            start_date=dt.date(2026, 1, 5),
            actor="test",
        )


def plan_village(session: Session, village: Village, **kwargs):
    return check_create_plan(
        session,
        scope_code=village.village.code,
        grid_bounds=kwargs.pop("grid_bounds", GRIDS),
        unit_bounds=kwargs.pop("unit_bounds", UNITS),
        actor="test",
        **kwargs,
    )


def snapshot(session: Session, village_code: str) -> dict:
    """Nodes (status, boundary, parent), households' and residents' places under a village."""
    nodes = {
        node.code: (node.parent_code, node.status, node.boundary)
        for node in session.scalars(
            select(Territory).where(Territory.code.like(f"{village_code}%"))
        )
    }
    households = {
        h.id: h.territory_code
        for h in session.scalars(select(Household).where(Household.village_code == village_code))
    }
    residents = {
        r.id: r.territory_code
        for r in session.scalars(
            select(Resident).where(Resident.household_id.in_(list(households)))
        )
    }
    return {"nodes": nodes, "households": households, "residents": residents}
