"""The map tile setting: off by default, a same-origin URL template only (the pages' CSP
loads images from their own origin), passed to the map component when set."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gridgov.settings import Settings
from gridgov.web.maps import map_settings


class _App:
    def __init__(self, settings: Settings) -> None:
        self.state = type("State", (), {"settings": settings})()


class _Request:
    def __init__(self, settings: Settings) -> None:
        self.app = _App(settings)


def test_tiles_are_off_by_default(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.map_tile_url is None
    assert map_settings(_Request(settings)) == {"tile_url": ""}  # type: ignore[arg-type]


def test_a_same_origin_template_is_passed_on(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, map_tile_url="/tiles/{z}/{x}/{y}.png")
    assert map_settings(_Request(settings)) == {"tile_url": "/tiles/{z}/{x}/{y}.png"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    ["https://tile.openstreetmap.org/{z}/{x}/{y}.png", "//cdn.example/{z}/{x}/{y}", "/tiles/x.png"],
)
def test_other_origins_and_templates_without_xyz_are_refused(tmp_path, url) -> None:
    with pytest.raises(ValidationError, match="map_tile_url"):
        Settings(data_dir=tmp_path, map_tile_url=url)
