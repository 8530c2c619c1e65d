"""The Open311 tests' world: a mapped town, the seeded categories and an API key."""

from __future__ import annotations

import pytest

from tests.open311.georeport import World, make_world


@pytest.fixture
def world(session) -> World:
    return make_world(session)
