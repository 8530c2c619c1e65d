"""WGS84 longitude/latitude to local metres and back (pure; numpy).

An equirectangular projection about the data's own centre: within a prefecture
(~100 km) distances are off by well under 1%, which is all that neighbour links,
distance caps and compactness need, and it is exactly invertible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalFrame:
    """The origin (degrees) and scale of one local metric frame."""

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray) -> LocalFrame:
        if len(lon) == 0:
            return cls(0.0, 0.0)
        return cls(float(np.mean(lon)), float(np.mean(lat)))

    @property
    def metres_per_degree_x(self) -> float:
        return float(np.radians(1.0) * EARTH_RADIUS_M * np.cos(np.radians(self.lat0)))

    @property
    def metres_per_degree_y(self) -> float:
        return float(np.radians(1.0) * EARTH_RADIUS_M)

    def to_metres(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """An (n, 2) array of x east, y north in metres."""
        x = (np.asarray(lon, dtype=float) - self.lon0) * self.metres_per_degree_x
        y = (np.asarray(lat, dtype=float) - self.lat0) * self.metres_per_degree_y
        return np.column_stack([x, y])

    def to_degrees(self, xy: np.ndarray) -> np.ndarray:
        """An (n, 2) array of longitude, latitude (the inverse of ``to_metres``)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon = xy[:, 0] / self.metres_per_degree_x + self.lon0
        lat = xy[:, 1] / self.metres_per_degree_y + self.lat0
        return np.column_stack([lon, lat])
