"""Random villages for the partition tests (plain numpy, seeded)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from gridgov.partition.synthetic import FRAME

# Examples per property test: a quick run by default; raise it to search harder.
EXAMPLES = int(os.environ.get("PARTITION_EXAMPLES", "20"))


@dataclass(frozen=True)
class Points:
    lon: np.ndarray
    lat: np.ndarray
    households: np.ndarray
    village: np.ndarray

    @property
    def xy(self) -> np.ndarray:
        return FRAME.to_metres(self.lon, self.lat)


def random_villages(
    seed: int, villages: int, households: int, block_share: float = 0.0, spread_m: float = 400.0
) -> Points:
    """``villages`` villages side by side, each a few hamlets of houses (and some blocks)."""
    rng = np.random.default_rng(seed)
    xy_parts, weight_parts, village_parts = [], [], []
    for village in range(villages):
        centre = np.array([village * spread_m * 3.0, 0.0])
        count = int(households * rng.uniform(0.7, 1.3))
        blocks = []
        while block_share and sum(blocks) < count * block_share:
            blocks.append(int(rng.integers(5, 20)))
        houses = max(count - sum(blocks), 1)
        hamlets = centre + rng.uniform(-spread_m, spread_m, (max(1, houses // 80), 2))
        xy = hamlets[rng.integers(0, len(hamlets), houses)] + rng.normal(
            0, spread_m / 5, (houses, 2)
        )
        block_xy = hamlets[rng.integers(0, len(hamlets), len(blocks))] + rng.normal(
            0, 30, (len(blocks), 2)
        )
        xy_parts += [xy, block_xy]
        weight_parts += [np.ones(houses, dtype=np.int64), np.array(blocks, dtype=np.int64)]
        village_parts.append(np.full(houses + len(blocks), village))
    lonlat = FRAME.to_degrees(np.concatenate(xy_parts))
    return Points(
        lonlat[:, 0], lonlat[:, 1], np.concatenate(weight_parts), np.concatenate(village_parts)
    )


def points_of(xy: np.ndarray, households: np.ndarray | None = None, village=None) -> Points:
    """Points given in metres around the synthetic frame's origin."""
    xy = np.asarray(xy, dtype=float)
    lonlat = FRAME.to_degrees(xy)
    households = np.ones(len(xy), dtype=np.int64) if households is None else np.asarray(households)
    village = np.zeros(len(xy), dtype=np.int64) if village is None else np.asarray(village)
    return Points(lonlat[:, 0], lonlat[:, 1], households, village)


def grid_of_points(side: int, step_m: float = 20.0) -> np.ndarray:
    """A ``side`` x ``side`` square lattice of points ``step_m`` apart (metres)."""
    axis = np.arange(side) * step_m
    return np.array([(x, y) for y in axis for x in axis], dtype=float)
