"""API shapes of territory nodes. The tree and its boundaries hold no personal data."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.codes import Level
from gridgov.territory.models import Territory
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input


class TerritoryBase(BaseModel):
    """What every answer about a node carries."""

    id: str
    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    status: str
    retired_at: LocalTimestamp | None
    created_at: LocalTimestamp
    updated_at: LocalTimestamp
    version: int
    center_lon: float | None
    center_lat: float | None


class TerritoryListItem(TerritoryBase):
    """A node in a list: no boundary polygon (lists stay small), only whether it has one."""

    has_boundary: bool

    @classmethod
    def from_node(cls, node: Territory) -> TerritoryListItem:
        return cls(**_common_fields(node), has_boundary=node.boundary is not None)


class TerritoryDetail(TerritoryBase):
    """One node with its boundary as a GeoJSON geometry (WGS84), or null."""

    boundary: dict[str, Any] | None

    @classmethod
    def from_node(cls, node: Territory) -> TerritoryDetail:
        return cls(**_common_fields(node), boundary=node.boundary)


def _common_fields(node: Territory) -> dict[str, Any]:
    return {name: getattr(node, name) for name in TerritoryBase.model_fields}


class TerritoryCreate(Input):
    """A new node. The tree's rules (code under the parent's, parent level) are checked by
    the action, which names the field that breaks them."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=32)
    level: Level
    parent_code: str | None = Field(default=None, max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    boundary: dict[str, Any] | None = None
    center_lon: float | None = None
    center_lat: float | None = None


class TerritoryUpdate(Input):
    """Fields to change; only the fields sent are changed. Code, level and parent never
    change. ``version`` (optional) refuses the change when the node changed meanwhile."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    name_zh: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    boundary: dict[str, Any] | None = None
    center_lon: float | None = None
    center_lat: float | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, except ``version``; names may not be null."""
        sent = {name: getattr(self, name) for name in self.model_fields_set if name != "version"}
        for name in ("name_zh", "name_en"):
            if name in sent and sent[name] is None:
                raise ValidationFailed.field(name, Message("a name cannot be null"))
        return sent
