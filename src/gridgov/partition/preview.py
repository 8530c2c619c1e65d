"""A PNG map of a plan: grids coloured, units outlined thinly, households as dots, the
grids and units listed as exceptions outlined in red (with their households as crosses).

Written to ``<data dir>/plans/<plan id>.png``. matplotlib is imported inside the drawing
function (Agg backend), so importing this module costs nothing at server start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.partition.models import PartitionPlan
from gridgov.registry.models import Household

CHUNK = 900


def preview_path(data_dir: Path, plan_id: str) -> Path:
    return Path(data_dir) / "plans" / f"{plan_id}.png"


def write_preview(session: Session, plan: PartitionPlan, *, data_dir: Path) -> Path:
    """Draw the plan (households at their current points) and answer the file's path."""
    assignment: dict[str, str] = plan.proposal.get("assignment", {})
    ids = sorted(assignment)
    lon, lat, unit = [], [], []
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Household.id, Household.lon, Household.lat).where(
                Household.id.in_(ids[start : start + CHUNK]), Household.lon.is_not(None)
            )
        )
        for row in rows:
            lon.append(row.lon)
            lat.append(row.lat)
            unit.append(assignment[row.id])
    path = preview_path(data_dir, plan.id)
    draw_plan(
        plan.proposal,
        plan.summary,
        np.array(lon, dtype=float),
        np.array(lat, dtype=float),
        np.array(unit, dtype=object),
        path,
        title=f"plan {plan.id} · {plan.scope_code}",
    )
    return path


def _rings(boundary: dict[str, Any] | None) -> list[np.ndarray]:
    """The outer rings of a GeoJSON (multi)polygon as (n, 2) arrays."""
    if not boundary:
        return []
    geometry: BaseGeometry = shape(boundary)
    return [np.asarray(p.exterior.coords) for p in getattr(geometry, "geoms", [geometry])]


def draw_plan(
    proposal: dict[str, Any],
    summary: dict[str, Any],
    lon: np.ndarray,
    lat: np.ndarray,
    unit_code: np.ndarray,
    path: Path,
    *,
    title: str,
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import colormaps
    from matplotlib import pyplot as plt
    from matplotlib.collections import LineCollection, PolyCollection

    flagged = {
        code
        for exception in summary.get("exceptions", [])
        for code in (exception.get("grid_code"), exception.get("unit_code"))
        if code
    }
    grids = proposal["grids"]
    colours = colormaps["tab20"]
    colour_of = {grid["code"]: colours(index % 20) for index, grid in enumerate(grids)}
    figure, axes = plt.subplots(figsize=(10, 10), dpi=100)
    try:
        # Collections, not a call per polygon: a town has two thousand of them.
        rings, faces = [], []
        for grid in grids:
            for ring in _rings(grid["boundary"]):
                rings.append(ring)
                faces.append(colour_of[grid["code"]])
        axes.add_collection(PolyCollection(rings, facecolors=faces, alpha=0.35, edgecolors="none"))
        unit_rings = [ring for unit in proposal["units"] for ring in _rings(unit["boundary"])]
        axes.add_collection(LineCollection(unit_rings, colors="dimgray", linewidths=0.3))
        axes.add_collection(LineCollection(rings, colors="black", linewidths=1.0))
        flagged_rings = [
            ring
            for part in [*grids, *proposal["units"]]
            if part["code"] in flagged
            for ring in _rings(part["boundary"])
        ]
        axes.add_collection(LineCollection(flagged_rings, colors="red", linewidths=2.0))
        axes.autoscale_view()
        if len(lon):
            grid_of = np.array([code[:15] for code in unit_code.tolist()], dtype=object)
            exceptional = np.array(
                [g in flagged or u in flagged for g, u in zip(grid_of, unit_code, strict=True)]
            )
            colours_of_points = [colour_of.get(code, "gray") for code in grid_of]
            axes.scatter(lon, lat, s=4, c=colours_of_points, edgecolors="black", linewidths=0.2)
            if exceptional.any():
                axes.scatter(lon[exceptional], lat[exceptional], s=16, marker="x", c="red")
        axes.set_aspect(1 / np.cos(np.radians(float(np.mean(lat)) if len(lat) else 0.0)))
        axes.set_title(
            f"{title}\n{summary.get('grids', 0)} grids, {summary.get('units', 0)} units, "
            f"{len(summary.get('exceptions', []))} exceptions "
            f"({summary.get('households_without_point', 0)} households without a location)",
            fontsize=9,
        )
        axes.set_xlabel("longitude")
        axes.set_ylabel("latitude")
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)
    return path
