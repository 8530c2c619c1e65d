"""Demo islands built once per test run (the generator is pure, so they can be shared)."""

from __future__ import annotations

import pytest

from gridgov.demo.generate import DemoIsland, build_demo_island


@pytest.fixture(scope="session")
def full_island() -> DemoIsland:
    """The real thing: ~10,500 households, ~40,000 residents (a few seconds)."""
    return build_demo_island(7)


@pytest.fixture(scope="session")
def small_island() -> DemoIsland:
    """A twentieth of the households on the same island: quick to load into a database."""
    return build_demo_island(7, scale=0.05)
