"""Boundary and centre checks for territory nodes (pure; shapely)."""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from gridgov.i18n import Message
from gridgov.validation import FieldProblem

AREA_TYPES = ("Polygon", "MultiPolygon")


def clean_boundary(geojson: dict[str, Any]) -> BaseGeometry:
    """A valid WGS84 Polygon or MultiPolygon, given as a GeoJSON geometry object."""
    if not isinstance(geojson, dict) or geojson.get("type") not in AREA_TYPES:
        raise FieldProblem(Message("a boundary is a GeoJSON Polygon or MultiPolygon geometry"))
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise FieldProblem(Message("not a readable GeoJSON geometry (%(exc)s)", exc=exc)) from exc
    if geometry.is_empty:
        raise FieldProblem(Message("the boundary is empty"))
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise FieldProblem(Message("coordinates are [longitude, latitude] in WGS84 degrees"))
    if not geometry.is_valid:
        raise FieldProblem(
            Message(
                "the boundary is not a valid polygon: %(geometry)s",
                geometry=shapely.is_valid_reason(geometry),
            )
        )
    return geometry


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Plain JSON values (lists, not shapely's tuples), so a node's boundary compares and
    exports the same before and after it is reloaded from the database."""
    return json.loads(json.dumps(mapping(geometry)))


def centre_of(geometry: BaseGeometry) -> tuple[float, float]:
    """A point surely inside the area (the centroid of a crescent may lie outside it)."""
    point = geometry.representative_point()
    return (round(point.x, 7), round(point.y, 7))
