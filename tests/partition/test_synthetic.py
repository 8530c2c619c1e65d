import numpy as np
import shapely

from gridgov.partition.projection import LocalFrame
from gridgov.partition.synthetic import (
    Territory,
    change_territory,
    make_county_seat,
    make_territory,
)


def test_territory_is_seeded_and_counts_add_up():
    first = make_territory(2_000, 4, seed=5)
    again = make_territory(2_000, 4, seed=5)
    assert first.households.sum() == 2_000
    assert np.array_equal(first.lon, again.lon) and np.array_equal(first.village, again.village)
    assert first.households.max() > 1  # some apartment blocks
    boundaries = first.village_boundaries
    inside = [
        shapely.contains_xy(boundaries[v], lon, lat)
        for lon, lat, v in zip(first.lon[:200], first.lat[:200], first.village[:200], strict=True)
    ]
    assert all(inside)


def test_a_five_percent_change():
    territory = make_territory(10_000, 5, seed=1)
    changed = change_territory(territory, seed=2)
    stayed = changed.origin >= 0
    # 1% left and 1% moved (moved ones count as new where they land), 3% new in clusters
    assert territory.households.sum() - changed.households[stayed].sum() == 200
    assert (~stayed).sum() == 100 + 300
    assert np.array_equal(changed.lon[stayed], territory.lon[changed.origin[stayed]])


def test_a_county_seat_has_a_third_in_blocks_of_20_to_200():
    town = make_county_seat(20_000, seed=3)
    assert town.households.sum() == 20_000 and len(set(town.village.tolist())) == 12
    blocks = town.households[town.households > 1]
    assert blocks.min() >= 20 and blocks.max() <= 200
    assert 0.28 < blocks.sum() / 20_000 < 0.38


def test_a_change_draws_from_blocks_too_when_houses_are_few():
    lon = 10.0 + np.arange(6) * 0.001
    lat = np.full(6, 60.0)  # far north: the territory's own frame, not the island's
    territory = Territory(
        lon, lat, np.full(6, 50), np.zeros(6, dtype=np.int64), {}, [], np.arange(6),
        LocalFrame.around(lon, lat),
    )  # fmt: skip
    changed = change_territory(territory, seed=1)
    stayed = changed.origin >= 0
    assert territory.households.sum() - changed.households[stayed].sum() == 2 * int(300 * 0.01)
    assert np.allclose(changed.lon[stayed], lon[changed.origin[stayed]])
    # moved households land within metres of their anchor in this frame (not 1.85x stretched)
    spacing = np.diff(territory.xy[:, 0])
    assert np.allclose(spacing, 0.001 * np.radians(1) * 6_371_008.8 * np.cos(np.radians(60)))
