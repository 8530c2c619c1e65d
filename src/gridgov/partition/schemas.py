"""API shapes of division plans."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gridgov.partition.constraints import Bounds, check_bounds, parse_range
from gridgov.partition.models import PartitionPlan
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input


class SizeRange(Input):
    model_config = ConfigDict(extra="forbid")

    min: int
    max: int


class PlanCreate(Input):
    """A plan of a village or a town; sizes as ``"25-45"`` or ``{"min": 25, "max": 45}``."""

    model_config = ConfigDict(extra="forbid")

    scope_code: str
    grid_size: SizeRange | str = "25-45"
    grid_target: float = 36
    unit_size: SizeRange | str = "4-8"
    unit_target: float = 6
    locks: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("scope_code")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    def bounds(self) -> tuple[Bounds, Bounds]:
        return (
            _bounds(self.grid_size, self.grid_target, "grid_size"),
            _bounds(self.unit_size, self.unit_target, "unit_size"),
        )


def _bounds(size: SizeRange | str, target: float, field: str) -> Bounds:
    if isinstance(size, str):
        low, high = parse_range(size, field=field)
    else:
        low, high = size.min, size.max
    return check_bounds(low, high, target, field=field)


class PlanOut(BaseModel):
    """A plan without its proposal (see ``.geojson``) and its ``before`` (rollback's)."""

    id: str
    scope_code: str
    status: str
    parameters: dict[str, Any]
    summary: dict[str, Any]
    effects: dict[str, Any] | None
    base_fingerprint: str
    created_by: str
    created_at: LocalTimestamp
    applied_by: str | None
    applied_at: LocalTimestamp | None
    rolled_back_by: str | None
    rolled_back_at: LocalTimestamp | None
    version: int

    @classmethod
    def of(cls, plan: PartitionPlan) -> PlanOut:
        return cls.model_validate(plan, from_attributes=True)


class PlanListItem(BaseModel):
    """One line of the history: the plan and its headline numbers."""

    id: str
    scope_code: str
    status: str
    grids: int
    units: int
    households_moved_grid: int
    posts_affected: int
    effects: dict[str, Any] | None
    created_by: str
    created_at: LocalTimestamp
    applied_at: LocalTimestamp | None
    rolled_back_at: LocalTimestamp | None

    @classmethod
    def of(cls, plan: PartitionPlan) -> PlanListItem:
        summary = plan.summary
        effects = None
        if plan.effects is not None:  # counts only; the lists are in the plan itself
            effects = {k: v for k, v in plan.effects.items() if isinstance(v, int)}
        return cls(
            id=plan.id,
            scope_code=plan.scope_code,
            status=plan.status,
            grids=summary.get("grids", 0),
            units=summary.get("units", 0),
            households_moved_grid=summary.get("households_moved", {}).get("grid", 0),
            posts_affected=len(summary.get("posts_affected", [])),
            effects=effects,
            created_by=plan.created_by,
            created_at=plan.created_at,
            applied_at=plan.applied_at,
            rolled_back_at=plan.rolled_back_at,
        )


def plan_geojson(plan: PartitionPlan) -> dict[str, Any]:
    """The proposed grids and units as a FeatureCollection (WGS84)."""
    features = []
    for level, key in (("grid", "grids"), ("unit", "units")):
        for part in plan.proposal.get(key, []):
            features.append(
                {
                    "type": "Feature",
                    "geometry": part["boundary"],
                    "properties": {
                        "code": part["code"],
                        "level": level,
                        "households": part["households"],
                        "kept": part["kept"],
                        "status": "kept" if part["kept"] else "new",
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"plan_id": plan.id, "scope_code": plan.scope_code},
    }
