"""GeoJSON import and export of a territory subtree (FeatureCollection, WGS84).

Each feature is one node: properties ``code``, ``level``, ``name_zh``, ``name_en``,
``parent_code`` (export adds ``status``, ``center_lon``, ``center_lat``), and its boundary
as the geometry (or null). An import is all or nothing: every feature is checked through
the same actions the API uses, every problem is collected, and if there is one, nothing
is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.errors import DomainError, ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.actions import check_create_territory, check_update_territory
from gridgov.territory.geometry import clean_boundary, to_geojson
from gridgov.territory.models import Territory
from gridgov.territory.queries import subtree
from gridgov.validation import FieldProblem, Problems

GEOJSON_MEDIA_TYPE = "application/geo+json"
# The actions call the geometry "boundary"; in a feature it is the "geometry".
_FEATURE_FIELD = {"boundary": "geometry"}
_LOOKUP_CHUNK = 500
# The message stays readable; ``fields`` and ``problems`` carry every problem.
_PROBLEMS_IN_MESSAGE = 20


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int = 0


@dataclass(frozen=True)
class FeatureProblem:
    """Why feature number ``index`` (0-based, in file order) cannot be imported."""

    index: int
    field: str
    reason: str
    code: str | None = None

    @property
    def key(self) -> str:
        return f"features[{self.index}].{self.field}"


class GeoJSONImportFailed(ValidationFailed):
    """Some features are bad; nothing was imported. ``problems`` lists every one."""

    def __init__(self, problems: list[FeatureProblem]) -> None:
        problems = sorted(problems, key=lambda problem: problem.index)
        bad_features = len({problem.index for problem in problems})
        listed = "; ".join(f"{p.key}: {p.reason}" for p in problems[:_PROBLEMS_IN_MESSAGE])
        if len(problems) > _PROBLEMS_IN_MESSAGE:
            listed += f"; and {len(problems) - _PROBLEMS_IN_MESSAGE} more (see fields)"
        super().__init__(
            f"{bad_features} feature(s) have errors, nothing was imported: {listed}",
            fields={problem.key: problem.reason for problem in problems},
        )
        self.problems = problems


# --- export -----------------------------------------------------------------------------


def feature_of(node: Territory) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": node.code,
        "geometry": node.boundary,
        "properties": {
            "code": node.code,
            "level": node.level,
            "name_zh": node.name_zh,
            "name_en": node.name_en,
            "parent_code": node.parent_code,
            "status": node.status,
            "center_lon": node.center_lon,
            "center_lat": node.center_lat,
        },
    }


def export_feature_collection(
    session: Session, *, territory: str, level: str | None = None, include_retired: bool = False
) -> dict[str, Any]:
    """The node ``territory`` and its subtree (optionally one level), parents first."""
    nodes = subtree(session, territory, level=level, include_retired=include_retired)
    return {"type": "FeatureCollection", "features": [feature_of(node) for node in nodes]}


# --- import: reading features -----------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    index: int
    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    geometry: dict[str, Any] | None
    center_lon: float | None
    center_lat: float | None


def _code_value(value: Any) -> str | None:
    # GIS tools and spreadsheets often turn a digit-only code into a number; take it back.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else None


def _number_value(properties: dict[str, Any], name: str, problems: Problems) -> Any:
    value = properties.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        problems.add(name, Message("a number of degrees, or null"))
        return None
    return value


def _read_properties(properties: dict[str, Any], problems: Problems) -> dict[str, Any]:
    code = _code_value(properties.get("code"))
    if not code:
        problems.add("code", Message("every feature needs a code (digits, as text)"))
    parent_code = properties.get("parent_code")
    if parent_code is not None:
        parent_code = _code_value(parent_code)
        if not parent_code:
            problems.add("parent_code", Message("a parent code is digits, as text, or null"))
    texts = {}
    for name, required in (("level", True), ("name_zh", True), ("name_en", False)):
        value = properties.get(name)
        if value is None and not required:
            value = ""
        if not isinstance(value, str):
            problems.add(name, Message("required text") if required else "text, or null")
        texts[name] = value
    return {
        "code": code,
        "parent_code": parent_code,
        **texts,
        "center_lon": _number_value(properties, "center_lon", problems),
        "center_lat": _number_value(properties, "center_lat", problems),
    }


def _read_feature(index: int, feature: Any) -> _Row | list[FeatureProblem]:
    """One feature's values, or what is wrong with its shape (rules come later)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [FeatureProblem(index, "type", 'each feature is {"type": "Feature", ...}')]
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return [FeatureProblem(index, "properties", "a feature needs a properties object")]
    problems = Problems()
    values = _read_properties(properties, problems)
    geometry = feature.get("geometry")
    if geometry is not None and not isinstance(geometry, dict):
        problems.add("geometry", Message("a GeoJSON geometry object, or null"))
    if problems:
        code = values["code"] or None
        return [FeatureProblem(index, name, why, code) for name, why in problems.items()]
    return _Row(index=index, geometry=geometry, **values)


@dataclass
class _Reading:
    rows: list[_Row]
    problems: list[FeatureProblem]
    # Codes of features that could not be read, so their children can say why they fail.
    unreadable: dict[str, int]


def _read_collection(data: Any) -> _Reading:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed.field(
            "type", Message("the file must be a GeoJSON FeatureCollection")
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise ValidationFailed.field("features", Message("a FeatureCollection has a features list"))
    reading = _Reading(rows=[], problems=[], unreadable={})
    first_index_of: dict[str, int] = {}
    for index, feature in enumerate(features):
        read = _read_feature(index, feature)
        code = read.code if isinstance(read, _Row) else next((p.code for p in read if p.code), None)
        if code in first_index_of:
            why = f"code {code} is also given by features[{first_index_of[code]}]"
            reading.problems.append(FeatureProblem(index, "code", why, code))
            continue
        if code is not None:
            first_index_of[code] = index
        if isinstance(read, _Row):
            reading.rows.append(read)
            continue
        reading.problems.extend(read)
        if code is not None:
            reading.unreadable[code] = index
    return reading


# --- import: applying features ----------------------------------------------------------


def _normal_geometry(geometry: dict[str, Any] | None) -> Any:
    """A geometry as stored (floats, lists), so an unchanged boundary compares equal."""
    if geometry is None:
        return None
    try:
        return to_geojson(clean_boundary(geometry))
    except FieldProblem:
        return geometry  # differs from any stored one; the action names the problem


def _usable_centre(row: _Row) -> tuple[float | None, float | None] | None:
    """The feature's centre, unless it lies outside the feature's own geometry: that is a
    stale centre left behind when the polygon was redrawn, and a point inside replaces it."""
    if row.center_lon is None and row.center_lat is None:
        return None
    if row.geometry is not None and row.center_lon is not None and row.center_lat is not None:
        try:
            area = clean_boundary(row.geometry)
        except FieldProblem:
            return None  # the geometry's own problem is reported
        if not area.covers(Point(row.center_lon, row.center_lat)):
            return None
    return row.center_lon, row.center_lat


def _changes_for(node: Territory, row: _Row) -> dict[str, Any]:
    """What the feature changes on an existing node. A null geometry or centre keeps
    the stored one: an import adds and corrects, it does not erase."""
    changes: dict[str, Any] = {}
    if row.name_zh.strip() != node.name_zh:
        changes["name_zh"] = row.name_zh
    if row.name_en.strip() != node.name_en:
        changes["name_en"] = row.name_en
    if row.geometry is not None and _normal_geometry(row.geometry) != node.boundary:
        changes["boundary"] = row.geometry
    centre = _usable_centre(row)
    # A new boundary without a usable centre gets a new centre inside it (the action's rule).
    if centre is not None and (
        "boundary" in changes or centre != (node.center_lon, node.center_lat)
    ):
        changes["center_lon"], changes["center_lat"] = centre
    return changes


def _update_problem(node: Territory, row: _Row) -> tuple[str, str] | None:
    if node.status != "active":
        return "code", f"territory {node.code} is retired; an import does not change it"
    if row.level != node.level:
        return "level", f"{node.code} is a {node.level}; a node's level never changes"
    if row.parent_code != node.parent_code:
        return "parent_code", f"{node.code} hangs under {node.parent_code}; it never moves"
    return None


def _create(session: Session, row: _Row, *, actor: str) -> str:
    centre = _usable_centre(row) or (None, None)
    check_create_territory(
        session,
        code=row.code,
        level=row.level,
        name_zh=row.name_zh,
        name_en=row.name_en,
        parent_code=row.parent_code,
        boundary=row.geometry,
        center_lon=centre[0],
        center_lat=centre[1],
        actor=actor,
    )
    return "created"


def _update(session: Session, node: Territory, row: _Row, *, actor: str) -> str:
    problem = _update_problem(node, row)
    if problem:
        raise ValidationFailed.field(*problem)
    changes = _changes_for(node, row)
    if not changes:
        return "unchanged"
    # A savepoint: the action may refuse after it changed some attributes of the node.
    with session.begin_nested():
        check_update_territory(session, node, **changes, actor=actor)
    return "updated"


def _existing_nodes(session: Session, codes: list[str]) -> dict[str, Territory]:
    """The nodes the file names that exist already, in a few queries rather than one each."""
    found: dict[str, Territory] = {}
    for start in range(0, len(codes), _LOOKUP_CHUNK):
        chunk = codes[start : start + _LOOKUP_CHUNK]
        for node in session.scalars(select(Territory).where(Territory.code.in_(chunk))):
            found[node.code] = node
    return found


def _problems_of(row: _Row, exc: DomainError) -> list[FeatureProblem]:
    fields = exc.fields or {"code": exc.message}
    return [
        FeatureProblem(row.index, _FEATURE_FIELD.get(name, name), why, row.code)
        for name, why in fields.items()
    ]


def _apply_all(
    session: Session, reading: _Reading, *, actor: str
) -> tuple[dict[str, int], list[FeatureProblem]]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    problems: list[FeatureProblem] = []
    failed_index_of = dict(reading.unreadable)
    existing = _existing_nodes(session, [row.code for row in reading.rows])
    # Parents first: a parent's code is shorter than its children's.
    for row in sorted(reading.rows, key=lambda row: (len(row.code), row.index)):
        node = existing.get(row.code)
        try:
            if node is None:
                # check_create_territory refuses before it adds anything: no savepoint needed.
                counts[_create(session, row, actor=actor)] += 1
            else:
                counts[_update(session, node, row, actor=actor)] += 1
        except DomainError as exc:
            failed_index_of[row.code] = row.index
            feature_problems = _problems_of(row, exc)
            if row.parent_code in failed_index_of:
                # "no territory has code P" hides the cause: P's own feature is bad.
                why = (
                    f"its parent's feature features[{failed_index_of[row.parent_code]}] has errors"
                )
                feature_problems = [
                    FeatureProblem(p.index, p.field, why, p.code) if p.field == "parent_code" else p
                    for p in feature_problems
                ]
            problems.extend(feature_problems)
    return counts, problems


def import_feature_collection(
    session: Session, data: dict[str, Any], *, actor: str
) -> ImportSummary:
    """Create new nodes and update existing ones (names, boundary, centre) from a
    FeatureCollection. Code, level and parent of an existing node never change, and a
    retired node is not touched. Any problem raises :class:`GeoJSONImportFailed` listing
    every bad feature, and nothing is written."""
    reading = _read_collection(data)
    problems = reading.problems
    # One savepoint around it all: raising inside rolls every feature back.
    with session.begin_nested():
        counts, apply_problems = _apply_all(session, reading, actor=actor)
        problems.extend(apply_problems)
        if problems:
            raise GeoJSONImportFailed(problems)
    return ImportSummary(**counts)
