"""Grid and unit polygons: the union of their sites' Voronoi cells (pure; shapely).

Each site's Voronoi cell is clipped to its village's boundary (or, without one, to the
village's convex hull widened by a margin), so the cells of a village tile it with no gap
and no overlap, and the union of a contiguous part's cells is a single polygon.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

HULL_MARGIN_M = 100.0
POLYGONAL = (3, 6)  # Polygon, MultiPolygon
BATCH_WIDTH = 32


def village_clip_area(village_xy: np.ndarray, boundary: BaseGeometry | None) -> BaseGeometry:
    """The area a village's cells are clipped to (metres)."""
    if boundary is not None and not boundary.is_empty:
        return boundary
    return shapely.convex_hull(shapely.multipoints(village_xy)).buffer(HULL_MARGIN_M)


def voronoi_cells(
    site_xy: np.ndarray,
    site_village: np.ndarray,
    boundaries: Mapping[int, BaseGeometry] | None = None,
) -> np.ndarray:
    """One clipped Voronoi cell per site (an array of geometries, metres)."""
    cells = np.empty(len(site_xy), dtype=object)
    boundaries = boundaries or {}
    order = np.argsort(site_village, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(site_village[order]) != 0])
    for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
        sites = order[start:end]
        area = village_clip_area(site_xy[sites], boundaries.get(int(site_village[sites[0]])))
        cells[sites] = _village_cells(site_xy[sites], area)
    return cells


def _village_cells(xy: np.ndarray, area: BaseGeometry) -> np.ndarray:
    if len(xy) == 1:
        return np.array([area], dtype=object)
    minx, miny, maxx, maxy = area.bounds
    pad = max(maxx - minx, maxy - miny, 1.0)
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    try:
        raw = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame, ordered=True)
        cells = np.asarray(shapely.get_parts(raw), dtype=object)
    except shapely.errors.GEOSException:
        cells = np.array([], dtype=object)
    if len(cells) != len(xy):  # degenerate input (e.g. all collinear): nearest-site strips
        cells = _strip_cells(xy, frame)
    shapely.prepare(area)
    inside = shapely.contains_properly(area, cells)
    clipped = cells.copy()
    clipped[~inside] = shapely.intersection(cells[~inside], area)  # only cells that cross it
    return _polygonal(clipped)


def _polygonal(cells: np.ndarray) -> np.ndarray:
    """Cells with stray lines or points from clipping dropped (a coverage is areas only)."""
    mixed = np.flatnonzero(~np.isin(shapely.get_type_id(cells), POLYGONAL))
    for index in mixed.tolist():
        parts = shapely.get_parts(cells[index])
        areas = parts[np.isin(shapely.get_type_id(parts), POLYGONAL)]
        cells[index] = shapely.union_all(areas) if len(areas) else shapely.Polygon()
    return cells


def _strip_cells(xy: np.ndarray, frame: BaseGeometry) -> np.ndarray:
    """Cells of points on one line: slabs cut at midpoints along the line."""
    centred = xy - xy.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    along = centred @ direction
    order = np.argsort(along, kind="stable")
    cuts = np.r_[-1e9, (along[order][:-1] + along[order][1:]) / 2, 1e9]
    normal = np.array([-direction[1], direction[0]])
    origin = xy.mean(axis=0)
    cells = np.empty(len(xy), dtype=object)
    for rank, site in enumerate(order):
        a, b = cuts[rank], cuts[rank + 1]
        corners = [
            origin + direction * t + normal * s
            for t, s in ((a, -1e9), (b, -1e9), (b, 1e9), (a, 1e9))
        ]
        cells[site] = shapely.intersection(shapely.Polygon(corners), frame)
    return cells


def union_by_label(cells: np.ndarray, labels: np.ndarray, label_count: int) -> list[BaseGeometry]:
    """The union of the cells of each label 0..label_count-1.

    The cells tile without overlap, so GEOS's much faster coverage union applies; labels
    of up to ``BATCH_WIDTH`` cells are done in one call (rows padded with nothing).
    """
    counted = np.flatnonzero((labels >= 0) & (labels < label_count))  # others: no part
    order = counted[np.argsort(labels[counted], kind="stable")]
    bounds = np.searchsorted(labels[order], np.arange(label_count + 1))
    sizes = np.diff(bounds)
    result = np.empty(label_count, dtype=object)
    narrow = np.flatnonzero(sizes <= BATCH_WIDTH)
    if len(narrow):
        table = np.full((label_count, int(sizes[narrow].max(initial=1))), None, dtype=object)
        rank = np.arange(len(order)) - np.repeat(bounds[:-1], sizes)
        fits = sizes[labels[order]] <= BATCH_WIDTH
        table[labels[order][fits], rank[fits]] = cells[order][fits]
        try:
            result[narrow] = shapely.coverage_union_all(table[narrow], axis=1)
        except shapely.errors.GEOSException:  # one odd row: do them one by one
            result[narrow] = [_union(row[row != None]) for row in table[narrow]]  # noqa: E711
    for label in np.flatnonzero(sizes > BATCH_WIDTH).tolist():
        result[label] = _union(cells[order[bounds[label] : bounds[label + 1]]])
    return list(result)


def _union(cells: np.ndarray) -> BaseGeometry:
    try:
        return shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:  # cells that do not quite tile: the robust union
        return shapely.union_all(cells)


CORRIDOR_HALF_WIDTH_M = 1.0


def outside_points(
    site_xy: np.ndarray, site_village: np.ndarray, boundaries: Mapping[int, BaseGeometry]
) -> np.ndarray:
    """Per site: whether it lies outside its village's boundary polygon (when one is given)."""
    outside = np.zeros(len(site_xy), dtype=bool)
    for village, boundary in boundaries.items():
        if boundary is None or boundary.is_empty:
            continue
        sites = np.flatnonzero(site_village == village)
        if len(sites):
            points = shapely.points(site_xy[sites])
            outside[sites] = ~shapely.covers(boundary, points)
    return outside


def join_split_parts(
    polygons: np.ndarray,
    cells: np.ndarray,
    labels: np.ndarray,
    xy: np.ndarray,
    edges: np.ndarray,
) -> np.ndarray:
    """Polygons of parts joined in the graph but cut in pieces by the clipping, made whole.

    When the link that joins a part's places crosses land outside the village outline (a
    bay, a concave corner), their clipped cells do not touch; the part then gets a narrow
    corridor along that link (less the cells of other parts it passes), so a part that is
    contiguous in the graph has one polygon. ``edges``: links worth a corridor (each once).
    """
    split = np.flatnonzero(
        (shapely.get_type_id(polygons) == 6) & (shapely.get_num_geometries(polygons) > 1)
    )
    if len(split) == 0:
        return polygons
    polygons = polygons.copy()
    inner = edges[labels[edges[:, 0]] == labels[edges[:, 1]]]
    tree = shapely.STRtree(cells)
    for part in split.tolist():
        links = inner[labels[inner[:, 0]] == part]
        apart = ~shapely.intersects(cells[links[:, 0]], cells[links[:, 1]])
        links = links[apart]
        if len(links) == 0:
            continue
        corridors = shapely.buffer(
            shapely.linestrings(np.stack([xy[links[:, 0]], xy[links[:, 1]]], axis=1)),
            CORRIDOR_HALF_WIDTH_M,
            cap_style="flat",
        )
        corridor = shapely.union_all(corridors)
        others = [i for i in tree.query(corridor).tolist() if labels[i] != part]
        if others:
            corridor = shapely.difference(corridor, shapely.union_all(cells[others]))
        polygons[part] = shapely.union(polygons[part], corridor)
    return polygons
