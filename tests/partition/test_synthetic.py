import numpy as np
import shapely

from gridgov.partition.synthetic import change_territory, make_territory


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
