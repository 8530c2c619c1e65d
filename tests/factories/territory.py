"""A small territory tree through the real actions: district > town > villages > grids > units."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code
from gridgov.territory.models import Territory

DISTRICT = "350305"
TOWN = "350305108"
ACTOR = "test:factory"


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Tree:
    district: Territory
    town: Territory
    villages: list[Territory] = field(default_factory=list)
    grids: dict[str, list[Territory]] = field(default_factory=dict)  # by village code
    units: dict[str, list[Territory]] = field(default_factory=dict)  # by grid code

    def all_grids(self) -> list[Territory]:
        return [grid for grids in self.grids.values() for grid in grids]

    def all_units(self) -> list[Territory]:
        return [unit for units in self.units.values() for unit in units]


def make_tree(
    session: Session,
    *,
    villages: int = 2,
    grids_per_village: int = 2,
    units_per_grid: int = 2,
    town_code: str = TOWN,
) -> Tree:
    """A town at (119.1, 25.0) with square villages side by side, each split into squares."""
    district = _get_or_create_district(session)
    town = check_create_territory(
        session,
        code=town_code,
        level="town",
        parent_code=DISTRICT,
        name_zh="湄洲镇",
        name_en="Meizhou",
        actor=ACTOR,
    )
    tree = Tree(district=district, town=town)
    for v in range(1, villages + 1):
        village = check_create_territory(
            session,
            code=child_code(town_code, "village", 200 + v),
            level="village",
            parent_code=town_code,
            name_zh=f"测试{v}村",
            name_en=f"Village {v}",
            boundary=square(119.1 + 0.01 * v, 25.0),
            actor=ACTOR,
        )
        tree.villages.append(village)
        tree.grids[village.code] = []
        for g in range(1, grids_per_village + 1):
            grid = check_create_territory(
                session,
                code=child_code(village.code, "grid", g),
                level="grid",
                parent_code=village.code,
                name_zh=f"第{g}网格",
                name_en=f"Grid {g}",
                actor=ACTOR,
            )
            tree.grids[village.code].append(grid)
            tree.units[grid.code] = [
                check_create_territory(
                    session,
                    code=child_code(grid.code, "unit", u),
                    level="unit",
                    parent_code=grid.code,
                    name_zh=f"第{u}单元",
                    name_en=f"Unit {u}",
                    actor=ACTOR,
                )
                for u in range(1, units_per_grid + 1)
            ]
    return tree


def _get_or_create_district(session: Session) -> Territory:
    from sqlalchemy import select

    existing = session.scalar(select(Territory).where(Territory.code == DISTRICT))
    if existing is not None:
        return existing
    return check_create_territory(
        session, code=DISTRICT, level="district", name_zh="秀屿区", name_en="Xiuyu", actor=ACTOR
    )
