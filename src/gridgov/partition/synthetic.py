"""Seeded synthetic territories for tests and benchmarks (pure; numpy, shapely).

Villages sit on a jittered lattice; each holds hamlets (clusters of houses), a few
scattered houses and some apartment blocks (one point, many households). Village lines
are the Voronoi cells of the village centres, so each household lies in its village's
polygon; a few straight barriers (roads, rivers) cross the territory. A county seat is a
town of villages and residential compounds where a third of the households live in blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.partition.projection import LocalFrame

FRAME = LocalFrame(119.1, 25.1)  # an island off the Fujian coast
HOUSEHOLDS_PER_KM2 = 300.0
HOUSEHOLDS_PER_HAMLET = 120
BLOCK_SHARE = 0.04  # households living in apartment blocks
BLOCK_SIZES = (8, 40)  # households per block, smallest and largest
# A county seat: 8 villages with a few blocks and 4 residential compounds mostly of blocks
# (a third of all households in blocks of 20-200).
COUNTY_SEAT_SHARES = (0.1,) * 8 + (0.8,) * 4
COUNTY_SEAT_BLOCKS = (20, 200)


@dataclass(frozen=True)
class Territory:
    lon: np.ndarray
    lat: np.ndarray
    households: np.ndarray
    village: np.ndarray
    village_boundaries: dict[int, BaseGeometry]  # WGS84
    barriers: list[BaseGeometry]  # WGS84
    origin: np.ndarray  # per point: index of the same household before a change, or -1
    frame: LocalFrame = FRAME  # the local metric frame (real data: around its own centre)

    @property
    def xy(self) -> np.ndarray:
        return self.frame.to_metres(self.lon, self.lat)


def make_territory(
    households: int,
    villages: int,
    seed: int = 0,
    barriers_per_village: float = 0.2,
    block_shares: Sequence[float] | None = None,
    block_sizes: tuple[int, int] = BLOCK_SIZES,
) -> Territory:
    """``block_shares``: per village, the share of its households in blocks."""
    rng = np.random.default_rng(seed)
    shares_in_blocks = list(block_shares or [BLOCK_SHARE] * villages)
    spacing = 1000.0 * np.sqrt(households / villages / HOUSEHOLDS_PER_KM2)
    centres = _village_centres(villages, spacing, rng)
    shares = rng.uniform(0.6, 1.4, villages)
    per_village = np.floor(households * shares / shares.sum()).astype(int)
    per_village[: households - per_village.sum()] += 1
    xy_parts, weight_parts = [], []
    for index, (centre, count) in enumerate(zip(centres, per_village.tolist(), strict=True)):
        in_blocks = (shares_in_blocks[index], block_sizes)
        xy, weight = _village_points(centre, count, spacing, rng, in_blocks)
        xy_parts.append(xy)
        weight_parts.append(weight)
    xy, weight = np.concatenate(xy_parts), np.concatenate(weight_parts)
    village = _nearest(centres, xy)
    boundaries = _village_lines(centres, xy, spacing)
    lines = _barriers(centres, spacing, round(villages * barriers_per_village), rng)
    lonlat = FRAME.to_degrees(xy)
    return Territory(
        lonlat[:, 0],
        lonlat[:, 1],
        weight,
        village,
        {v: _degrees(g) for v, g in boundaries.items()},
        [_degrees(line) for line in lines],
        np.arange(len(xy)),
    )


def _village_centres(villages: int, spacing: float, rng: np.random.Generator) -> np.ndarray:
    columns = int(np.ceil(np.sqrt(villages)))
    cells = np.array([(i % columns, i // columns) for i in range(villages)], dtype=float)
    return (cells + rng.uniform(-0.25, 0.25, cells.shape)) * spacing


def make_county_seat(households: int = 20_000, seed: int = 0) -> Territory:
    """A town of 8 villages and 4 residential compounds, a third of it in blocks of 20-200."""
    return make_territory(
        households,
        len(COUNTY_SEAT_SHARES),
        seed=seed,
        block_shares=COUNTY_SEAT_SHARES,
        block_sizes=COUNTY_SEAT_BLOCKS,
    )


def _village_points(
    centre: np.ndarray,
    households: int,
    spacing: float,
    rng: np.random.Generator,
    in_blocks: tuple[float, tuple[int, int]] = (BLOCK_SHARE, BLOCK_SIZES),
) -> tuple[np.ndarray, np.ndarray]:
    """Points and households per point of one village (houses of 1, blocks)."""
    share, (smallest, largest) = in_blocks
    blocks = []
    remaining = int(households * share)
    while remaining >= smallest:
        size = min(int(rng.integers(smallest, largest + 1)), remaining)
        blocks.append(size)
        remaining -= size
    houses = households - sum(blocks)
    hamlet_count = max(1, houses // HOUSEHOLDS_PER_HAMLET)
    hamlets = centre + rng.uniform(-0.4, 0.4, (hamlet_count, 2)) * spacing
    scattered = int(houses * 0.05)
    clustered = houses - scattered
    home = rng.integers(0, hamlet_count, clustered)
    xy = hamlets[home] + rng.normal(0, 1, (clustered, 2)) * rng.uniform(60, 140, (clustered, 1))
    xy = np.concatenate(
        [
            xy,
            centre + rng.uniform(-0.45, 0.45, (scattered, 2)) * spacing,
            hamlets[rng.integers(0, hamlet_count, len(blocks))]
            + rng.normal(0, 40, (len(blocks), 2)),
        ]
    )
    weight = np.concatenate([np.ones(houses, dtype=np.int64), np.array(blocks, dtype=np.int64)])
    return xy, weight


def _nearest(centres: np.ndarray, xy: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    _distances, nearest = cKDTree(centres).query(xy)
    return np.asarray(nearest, dtype=np.int64)


def _village_lines(centres: np.ndarray, xy: np.ndarray, spacing: float) -> dict[int, BaseGeometry]:
    """Village polygons: Voronoi cells of the centres inside the territory's padded extent."""
    minx, miny = np.minimum(xy.min(axis=0), centres.min(axis=0)) - spacing / 2
    maxx, maxy = np.maximum(xy.max(axis=0), centres.max(axis=0)) + spacing / 2
    extent = shapely.box(minx, miny, maxx, maxy)
    if len(centres) == 1:
        return {0: extent}
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=extent, ordered=True)
    )
    return {v: shapely.intersection(cell, extent) for v, cell in enumerate(cells)}


def _barriers(
    centres: np.ndarray, spacing: float, count: int, rng: np.random.Generator
) -> list[BaseGeometry]:
    lines = []
    for index in rng.choice(len(centres), size=min(count, len(centres)), replace=False):
        angle = rng.uniform(0, np.pi)
        direction = np.array([np.cos(angle), np.sin(angle)]) * spacing * 0.6
        middle = centres[index] + rng.uniform(-0.2, 0.2, 2) * spacing
        lines.append(shapely.LineString([middle - direction, middle + direction]))
    return lines


def _degrees(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, FRAME.to_degrees)


def change_territory(territory: Territory, seed: int, share: float = 0.05) -> Territory:
    """The territory after a change of ``share`` of its households.

    Three fifths arrive as new clusters, one fifth leave, one fifth move to another spot of
    their village (a moved household counts as new where it lands: ``origin`` -1). Leavers
    and movers are drawn among all households, blocks included (a block loses a household).
    """
    rng = np.random.default_rng(seed)
    xy, weight, village = territory.xy, territory.households, territory.village
    total = int(weight.sum())
    drawn = rng.choice(total, size=min(int(total * share / 5) * 2, total), replace=False)
    point_of = np.searchsorted(np.cumsum(weight), drawn, side="right")
    moving = point_of[len(point_of) // 2 :]  # the first half just leaves
    remaining = weight - np.bincount(point_of, minlength=len(weight))
    stay = np.flatnonzero(remaining > 0)
    if len(stay) == 0:
        raise ValueError("the change would leave no household in place")
    anchors = rng.choice(stay, size=len(moving))
    moved_xy = xy[anchors] + rng.normal(0, 30, (len(moving), 2))
    new_xy, new_village = _new_clusters(xy[stay], village[stay], int(total * share * 3 / 5), rng)
    lonlat = territory.frame.to_degrees(np.concatenate([xy[stay], moved_xy, new_xy]))
    arrivals = len(moving) + len(new_xy)
    return Territory(
        lonlat[:, 0],
        lonlat[:, 1],
        np.concatenate([remaining[stay], np.ones(arrivals, dtype=np.int64)]),
        np.concatenate([village[stay], village[anchors], new_village]),
        territory.village_boundaries,
        territory.barriers,
        np.concatenate([territory.origin[stay], np.full(arrivals, -1)]),
        territory.frame,
    )


def _new_clusters(
    xy: np.ndarray, village: np.ndarray, households: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """New houses in clusters of 5-40 near existing ones (a new estate at a hamlet's edge)."""
    points, villages = [], []
    while households > 0:
        size = min(int(rng.integers(5, 41)), households)
        anchor = int(rng.integers(0, len(xy)))
        offset = rng.normal(0, 1, 2)
        centre = xy[anchor] + 150 * offset / max(float(np.linalg.norm(offset)), 1e-9)
        points.append(centre + rng.normal(0, 40, (size, 2)))
        villages.append(np.full(size, village[anchor]))
        households -= size
    if not points:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    return np.concatenate(points), np.concatenate(villages)
