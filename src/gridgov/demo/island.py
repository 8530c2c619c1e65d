"""The demo island's land, villages and settlements (pure: numpy and shapely, no database).

Everything is drawn in local metres (x east, y north, origin at the island's centre) and
turned into WGS84 lon/lat only at the edge, by :class:`Projection`. The shape is
Meizhou-like: about 9.6 km north to south, 1-2 km wide, ~14 km², with a wavy coast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

ISLAND_LENGTH_M = 9_600.0
ISLAND_AREA_M2 = 14.0e6
CENTRE_LON, CENTRE_LAT = 119.125, 25.07
_SAMPLES = 481  # points along each coast
_FAR = 8_000.0  # beyond the island on every side: village cut regions reach this far


@dataclass(frozen=True)
class VillageName:
    serial: int  # 201.. north to south
    name_zh: str
    name_en: str
    weight: float  # share of the island's households, relative


# The 11 villages of Meizhou, north to south in this demo; weights make their sizes differ.
VILLAGE_NAMES: tuple[VillageName, ...] = (
    VillageName(201, "宫下", "Gongxia", 1.25),
    VillageName(202, "高朱", "Gaozhu", 0.85),
    VillageName(203, "东蔡", "Dongcai", 1.0),
    VillageName(204, "莲池", "Lianchi", 0.9),
    VillageName(205, "寨下", "Zhaixia", 1.1),
    VillageName(206, "汕尾", "Shanwei", 0.95),
    VillageName(207, "西亭", "Xiting", 1.2),
    VillageName(208, "北埭", "Beidai", 0.8),
    VillageName(209, "港楼", "Ganglou", 1.0),
    VillageName(210, "后巷", "Houxiang", 1.0),
    VillageName(211, "下山", "Xiashan", 0.95),
)


class Projection:
    """Local metres <-> WGS84 degrees around the island's centre (equirectangular)."""

    METRES_PER_DEGREE_LAT = 110_950.0

    def __init__(self, lon0: float = CENTRE_LON, lat0: float = CENTRE_LAT) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.metres_per_degree_lon = 111_320.0 * math.cos(math.radians(lat0))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float)
        lon = self.lon0 + xy[..., 0] / self.metres_per_degree_lon
        lat = self.lat0 + xy[..., 1] / self.METRES_PER_DEGREE_LAT
        return np.stack([lon, lat], axis=-1)

    def to_metres(self, lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float)
        x = (lonlat[..., 0] - self.lon0) * self.metres_per_degree_lon
        y = (lonlat[..., 1] - self.lat0) * self.METRES_PER_DEGREE_LAT
        return np.stack([x, y], axis=-1)

    def geometry_to_lonlat(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, self.to_lonlat)


def _waves(
    rng: np.random.Generator,
    y: np.ndarray,
    *,
    count: int,
    amplitude: float,
    wavelengths: tuple[float, float] = (400.0, 3_000.0),
) -> np.ndarray:
    """A sum of sinusoids along y: the wiggle of a coastline or a road."""
    total = np.zeros_like(y)
    for _ in range(count):
        wavelength = rng.uniform(*wavelengths)
        phase = rng.uniform(0, 2 * math.pi)
        total += rng.uniform(0.3, 1.0) * amplitude * np.sin(2 * math.pi * y / wavelength + phase)
    return total


def _spine(y: np.ndarray, bend: float, phase: float) -> np.ndarray:
    """The island's centre line: a gentle S, so the island is not a straight sausage."""
    return bend * np.sin(math.pi * y / ISLAND_LENGTH_M * 1.6 + phase)


def island_shape(rng: np.random.Generator) -> Polygon:
    """The island in metres, scaled east-west so its area is exactly ISLAND_AREA_M2."""
    half = ISLAND_LENGTH_M / 2
    y = np.linspace(-half, half, _SAMPLES)
    t = y / half
    taper = np.sqrt(np.clip(1 - np.abs(t) ** 5, 0, None))  # rounded capes at both ends
    bend, phase = rng.uniform(150, 300), rng.uniform(0, 2 * math.pi)
    centre = _spine(y, bend, phase)
    width_swell = 1 + 0.18 * np.sin(2 * math.pi * t * rng.uniform(0.8, 1.4) + rng.uniform(0, 6))
    west = centre - (700 * width_swell + _coast(rng, y)) * taper
    east = centre + (700 * width_swell + _coast(rng, y)) * taper
    area = Polygon(_ring(y, west, east)).area
    factor = ISLAND_AREA_M2 / area  # area is linear in the east-west offsets
    west = centre + (west - centre) * factor
    east = centre + (east - centre) * factor
    shape = Polygon(_ring(y, west, east))
    return shape if shape.is_valid else shapely.make_valid(shape)


def _coast(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """Headlands and bays: long swells plus short coves."""
    swells = _waves(rng, y, count=4, amplitude=70)
    return swells + _waves(rng, y, count=3, amplitude=22, wavelengths=(180.0, 450.0))


def _ring(y: np.ndarray, west: np.ndarray, east: np.ndarray) -> list[tuple[float, float]]:
    # West coast south to north, then the east coast back; the two capes are shared points.
    west_coast = list(zip(west.tolist(), y.tolist(), strict=True))
    east_coast = list(zip(east[1:-1].tolist(), y[1:-1].tolist(), strict=True))[::-1]
    return west_coast + east_coast


def main_road(island: Polygon, rng: np.random.Generator) -> LineString:
    """The road along the island's length, a little off its middle, wiggling."""
    _, min_y, _, max_y = island.bounds
    y = np.linspace(min_y + 350, max_y - 350, 120)
    middle = np.array([_middle_x(island, value) for value in y])
    x = middle + _waves(rng, y, count=3, amplitude=60)
    return LineString(np.column_stack([x, y]))


def _middle_x(island: Polygon, y: float) -> float:
    section = island.intersection(LineString([(-_FAR, y), (_FAR, y)]))
    min_x, _, max_x, _ = section.bounds
    return (min_x + max_x) / 2


def _cut_line(y0: float, rng: np.random.Generator) -> np.ndarray:
    """A wavy line across the island at about y0 (field edges, not ruler lines)."""
    x = np.linspace(-_FAR, _FAR, 161)
    y = y0 + _waves(rng, x, count=2, amplitude=45)
    return np.column_stack([x, y])


def _band(upper: np.ndarray | None, lower: np.ndarray | None) -> Polygon:
    """The region between two cut lines (None: the open sea beyond the island's end)."""
    x = np.linspace(-_FAR, _FAR, 161)
    top = upper if upper is not None else np.column_stack([x, np.full_like(x, _FAR)])
    bottom = lower if lower is not None else np.column_stack([x, np.full_like(x, -_FAR)])
    return Polygon(np.concatenate([top, bottom[::-1]]))


def _cut_through(
    island: Polygon, offsets: np.ndarray, north_area: float, low: float, high: float
) -> np.ndarray:
    """The cut line (base shape ``offsets`` moved to some y) leaving ``north_area`` north."""
    for _ in range(40):
        middle = (low + high) / 2
        line = offsets + np.array([0.0, middle])
        if island.intersection(_band(None, line)).area > north_area:
            low = middle
        else:
            high = middle
    return offsets + np.array([0.0, (low + high) / 2])


def village_polygons(island: Polygon, rng: np.random.Generator) -> list[BaseGeometry]:
    """The island cut north to south into one area per village, sized by village weight."""
    weights = np.array([village.weight for village in VILLAGE_NAMES])
    shares = np.cumsum(weights / weights.sum())[:-1]
    half = ISLAND_LENGTH_M / 2
    cuts = [
        _cut_through(island, _cut_line(0.0, rng), share * island.area, -half, half)
        for share in shares
    ]
    bounds = [None, *cuts, None]
    return [island.intersection(_band(bounds[i], bounds[i + 1])) for i in range(len(bounds) - 1)]


@dataclass(frozen=True)
class Settlement:
    """A cluster of houses: a hamlet on the road or a fishing hamlet on the coast."""

    name_zh: str
    centre: tuple[float, float]
    spread_along: float  # metres, along the road or the coast
    spread_across: float
    direction: float  # radians, the axis the houses string along
    weight: float


_PLACE_FIRST = "东西南北前后上下顶中"
_PLACE_LAST = ("厝", "埔", "澳", "头", "尾", "沙", "坑", "墩", "湾", "林", "埕", "里")


def settlement_names(count: int, rng: np.random.Generator) -> list[str]:
    """Distinct hamlet names in the local style (东沙, 后厝, 下澳 ...)."""
    names: list[str] = []
    while len(names) < count:
        name = _PLACE_FIRST[rng.integers(len(_PLACE_FIRST))] + str(rng.choice(_PLACE_LAST))
        if name not in names:
            names.append(name)
    return names


def village_settlements(
    village: BaseGeometry, island: Polygon, road: LineString, rng: np.random.Generator
) -> list[Settlement]:
    """Two or three hamlets on the road, one to three on the coast, inside the village."""
    road_part = road.intersection(village)
    coast_part = island.exterior.intersection(village.buffer(-40).buffer(45))
    road_count, coast_count = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    names = settlement_names(road_count + coast_count, rng)
    settlements = [
        _settlement_on(road_part, names[i], rng, along=170, across=55, inland=None, island=island)
        for i in range(road_count)
    ]
    settlements += [
        _settlement_on(
            coast_part, names[road_count + i], rng, along=130, across=45, inland=120, island=island
        )
        for i in range(coast_count)
    ]
    return [s for s in settlements if s is not None]


def _settlement_on(
    line: BaseGeometry,
    name: str,
    rng: np.random.Generator,
    *,
    along: float,
    across: float,
    inland: float | None,
    island: Polygon,
) -> Settlement | None:
    if line.is_empty or line.length < 1:
        return None
    distance = rng.uniform(0.1, 0.9) * line.length
    point = line.interpolate(distance)
    ahead = line.interpolate(min(distance + 20, line.length))
    behind = line.interpolate(max(distance - 20, 0))
    direction = math.atan2(ahead.y - behind.y, ahead.x - behind.x)
    centre = (point.x, point.y)
    if inland is not None:  # a coastal hamlet sits a little back from the shore
        inside = island.buffer(-inland)
        nearest = nearest_points(inside, Point(centre))[0]
        centre = (nearest.x, nearest.y)
    return Settlement(
        name_zh=name,
        centre=centre,
        spread_along=along * rng.uniform(0.7, 1.3),
        spread_across=across * rng.uniform(0.7, 1.3),
        direction=direction,
        weight=rng.uniform(0.6, 1.6),
    )


def place_households(
    village: BaseGeometry,
    settlements: list[Settlement],
    count: int,
    rng: np.random.Generator,
    *,
    scattered_share: float = 0.02,
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` house points (metres) inside the village, clustered in its settlements.

    Returns the points and, for each, the index of the settlement it belongs to (a few
    scattered houses belong to the nearest one).
    """
    land = village.buffer(-12)  # keep houses off the shore and off the village edge
    shapely.prepare(land)
    weights = np.array([s.weight for s in settlements])
    scattered = round(count * scattered_share)
    per_settlement = rng.multinomial(count - scattered, weights / weights.sum())
    points = [
        _cluster(land, settlement, int(size), rng)
        for settlement, size in zip(settlements, per_settlement, strict=True)
    ]
    points.append(_uniform(land, scattered, rng))
    xy = np.concatenate(points)
    centres = np.array([s.centre for s in settlements])
    nearest = np.argmin(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    owner = np.concatenate([np.full(int(n), i) for i, n in enumerate(per_settlement)])
    owner = np.concatenate([owner, nearest[len(owner) :]])
    return xy, owner


def _cluster(land: BaseGeometry, s: Settlement, size: int, rng: np.random.Generator) -> np.ndarray:
    chosen: list[np.ndarray] = []
    found = 0
    cos, sin = math.cos(s.direction), math.sin(s.direction)
    while found < size:
        along = rng.normal(0, s.spread_along, size * 2)
        across = rng.normal(0, s.spread_across, size * 2)
        x = s.centre[0] + along * cos - across * sin
        y = s.centre[1] + along * sin + across * cos
        inside = shapely.contains_xy(land, x, y)
        batch = np.column_stack([x[inside], y[inside]])[: size - found]
        chosen.append(batch)
        found += len(batch)
        if not inside.any():  # a settlement squeezed against the edge: spread wider
            s = Settlement(
                s.name_zh,
                s.centre,
                s.spread_along * 1.5,
                s.spread_across * 1.5,
                s.direction,
                s.weight,
            )
    return np.concatenate(chosen) if chosen else np.empty((0, 2))


def _uniform(land: BaseGeometry, size: int, rng: np.random.Generator) -> np.ndarray:
    min_x, min_y, max_x, max_y = land.bounds
    chosen: list[np.ndarray] = [np.empty((0, 2))]
    found = 0
    while found < size:
        x = rng.uniform(min_x, max_x, size * 3)
        y = rng.uniform(min_y, max_y, size * 3)
        inside = shapely.contains_xy(land, x, y)
        batch = np.column_stack([x[inside], y[inside]])[: size - found]
        chosen.append(batch)
        found += len(batch)
    return np.concatenate(chosen)
