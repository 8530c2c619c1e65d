"""What every map on the pages shares (static/js/map.js draws them): the optional tile
layer (``GRIDGOV_MAP_TILE_URL``, off by default: territory polygons on a plain background)."""

from __future__ import annotations

from starlette.requests import Request


def map_settings(request: Request) -> dict[str, str]:
    settings = getattr(request.app.state, "settings", None)
    tile_url = getattr(settings, "map_tile_url", None) or ""
    return {"tile_url": tile_url}
