"""Contact assignment: the rules hold on random towns, re-runs keep links, pins hold."""

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.contacts import assignment
from gridgov.contacts.assignment import (
    UNASSIGNED,
    AssignmentRules,
    Households,
    Members,
    PreviousAssignment,
    assign_contacts,
)
from tests.contacts.helpers import (
    DEGREE_PER_M,
    EXAMPLES,
    LAT0,
    LON0,
    capacities,
    check_rules,
    not_pinned,
    random_town,
)

PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

towns = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "villages": st.integers(1, 3),
        "households": st.integers(0, 80),
        "members": st.integers(0, 15),
        "grids_per_village": st.integers(1, 4),
        "key_share": st.sampled_from([0.0, 0.2, 0.6, 1.0]),
        "unknown_share": st.sampled_from([0.0, 0.3]),
    }
)
rules_strategy = st.builds(
    AssignmentRules,
    capacity=st.integers(1, 12),
    key_share=st.sampled_from([0.1, 0.3, 0.5, 1.0]),
)


@PROPERTY
@given(town=towns, rules=rules_strategy)
def test_rules_hold_on_random_towns(town, rules):
    """Capacity, key-group share, own household and village hold; nobody is left out while a
    member of the village has room; the left out are offered members with room."""
    households, members = random_town(**town)
    result = assign_contacts(households, members, rules=rules)
    check_rules(households, members, result, rules)
    assert result.over_capacity.size == 0  # no pins: nobody over


@PROPERTY
@given(town=towns, per_member=st.lists(st.integers(0, 6), min_size=15, max_size=15))
def test_rules_hold_with_a_capacity_per_member(town, per_member):
    capacity = np.array(per_member[: min(town["members"], town["households"])], dtype=np.int64)
    households, members = random_town(**town, capacity=capacity)
    rules = AssignmentRules()
    check_rules(households, members, assign_contacts(households, members, rules=rules), rules)


@PROPERTY
@given(town=towns, rules=rules_strategy)
def test_every_household_has_a_member_when_capacity_allows(town, rules):
    """Room for every household (and one member's worth more, since nobody takes their own)
    and enough key-group limits: nobody is left out."""
    households, members = random_town(**town)
    result = assign_contacts(households, members, rules=rules)
    capacity = capacities(members, rules)
    for village in np.unique(households.village).tolist():
        inside = members.village == village
        here = households.village == village
        key_count = int(np.count_nonzero(households.key & here))
        roomy = capacity[inside].sum() >= here.sum() + rules.capacity
        key_roomy = result.key_limit[inside].sum() >= key_count + result.key_limit.max(initial=0)
        if roomy and key_roomy:
            assert (result.member[here] != UNASSIGNED).all()


@PROPERTY
@given(town=towns, rules=rules_strategy)
def test_key_limit_rises_only_as_far_as_needed(town, rules):
    """Where the share cannot cover a village's key households, the common floor rises to the
    least value that can (or to capacity): one less would not cover them."""
    households, members = random_town(**town)
    result = assign_contacts(households, members, rules=rules)
    capacity = capacities(members, rules)
    base = np.minimum(np.maximum(np.floor(rules.key_share * capacity), 1), capacity)
    for village in np.unique(members.village).tolist():
        inside = members.village == village
        key_count = int(np.count_nonzero(households.key & (households.village == village)))
        limit = result.key_limit[inside]
        if (limit == base[inside]).all():
            continue
        assert limit.sum() >= key_count or (limit == capacity[inside]).all()
        floor = int(limit.max())
        lower = np.minimum(capacity[inside], np.maximum(base[inside], floor - 1))
        assert lower.sum() < key_count


@PROPERTY
@given(town=towns, rules=rules_strategy)
def test_rerunning_on_its_own_answer_changes_nothing(town, rules):
    households, members = random_town(**town)
    first = assign_contacts(households, members, rules=rules)
    again = assign_contacts(households, members, rules=rules, previous=not_pinned(first))
    assert (again.member == first.member).all()
    assert (again.changed, again.added, again.dropped) == (0, 0, 0)
    assert again.kept[first.member >= 0].all()


def _changed_town(households: Households, seed: int, share: float) -> tuple[Households, np.ndarray]:
    """``share`` of the households changed: a third gone, a third moved (and maybe now in a key
    group), a third new. Returns the new households and, per new household, its old index."""
    rng = np.random.default_rng(seed)
    count = len(households)
    touched = rng.choice(count, max(1, int(share * count)), replace=False)
    gone, moved, born = np.array_split(touched, 3)
    stay = np.setdiff1d(np.arange(count), gone)
    lon, lat = households.lon.copy(), households.lat.copy()
    lon[moved] += rng.normal(0, 300, len(moved)) * DEGREE_PER_M
    lat[moved] += rng.normal(0, 300, len(moved)) * DEGREE_PER_M
    key = households.key.copy()
    key[moved] |= rng.random(len(moved)) < 0.5
    old = np.concatenate([stay, np.full(len(born), -1)])
    source = np.concatenate([stay, born])  # newcomers settle where the born ones live
    changed = Households(
        lon[source], lat[source], households.village[source], households.grid[source], key[source]
    )
    return changed, old


@settings(max_examples=max(EXAMPLES // 4, 5), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), key_share=st.sampled_from([0.1, 0.3]))
def test_after_five_percent_of_households_change_few_links_move(seed, key_share):
    """5% of a 600-household town changes: no more links move than households changed (a
    moved household that turns key may push one key household off a member at its limit)."""
    households, members = random_town(seed, 2, 600, 55, key_share=key_share)
    first = assign_contacts(households, members)
    changed, old = _changed_town(households, seed, 0.05)
    earlier = np.where(old >= 0, first.member[np.maximum(old, 0)], UNASSIGNED)
    pins = np.zeros(len(changed), dtype=bool)
    new_of_old = np.full(len(households), UNASSIGNED)
    new_of_old[old[old >= 0]] = np.flatnonzero(old >= 0)
    members = Members(
        members.lon, members.lat, members.village, members.grid, new_of_old[members.household]
    )
    again = assign_contacts(changed, members, previous=PreviousAssignment(earlier, pins))
    check_rules(changed, members, again, AssignmentRules())
    assert again.changed <= int(0.05 * len(households))
    stayed = old >= 0
    assert again.kept[stayed & (earlier >= 0)].mean() >= 0.95


@PROPERTY
@given(town=towns, rules=rules_strategy, seed=st.integers(0, 2**32 - 1))
def test_pins_are_kept_as_given(town, rules, seed):
    """Pins to any member (another village, past capacity) stay; only the own household is
    refused."""
    households, members = random_town(**town)
    if len(members) == 0 or len(households) == 0:
        return
    rng = np.random.default_rng(seed)
    pinned = rng.random(len(households)) < 0.3
    wanted = rng.integers(0, len(members), len(households))
    pinned &= members.household[wanted] != np.arange(len(households))
    earlier = np.where(pinned, wanted, UNASSIGNED)
    result = assign_contacts(
        households, members, rules=rules, previous=PreviousAssignment(earlier, pinned)
    )
    assert (result.member[pinned] == wanted[pinned]).all()
    assert result.kept[pinned].all()
    check_rules(households, members, result, rules, pinned=pinned)
    capacity = capacities(members, rules)
    over = (result.load > capacity) | (result.key_load > result.key_limit)
    assert set(np.flatnonzero(over).tolist()) <= set(result.over_capacity.tolist())


def test_a_household_pinned_to_its_own_member_is_refused():
    households, members = random_town(1, 1, 10, 2)
    earlier = np.full(10, UNASSIGNED)
    earlier[members.household[0]] = 0
    pinned = earlier >= 0
    with pytest.raises(ValueError, match="own"):
        assign_contacts(households, members, previous=PreviousAssignment(earlier, pinned))


def _line(count: int, step_m: float, village: int, start_m: float = 0.0):
    x = start_m + step_m * np.arange(count)
    return LON0 + x * DEGREE_PER_M, np.full(count, LAT0), np.full(count, village)


def test_too_few_members_lists_the_left_out_and_the_nearest_members_with_room():
    """Village 0: 5 households on a line, one member of capacity 2 living outside them.
    Village 1 (2 km east): two members with room, the nearer one first."""
    lon, lat, village = _line(5, 100.0, 0)
    households = Households(lon, lat, village, np.zeros(5, dtype=int), np.zeros(5, dtype=bool))
    m_lon, m_lat, _ = _line(3, 1_000.0, 0, start_m=0.0)
    members = Members(m_lon, m_lat, np.array([0, 1, 1]), np.zeros(3, dtype=int), np.full(3, -1))
    result = assign_contacts(households, members, rules=AssignmentRules(capacity=2))
    assert result.member.tolist() == [0, 0, UNASSIGNED, UNASSIGNED, UNASSIGNED]
    assert result.unassigned.tolist() == [2, 3, 4]
    assert result.suggested.tolist() == [[1, 2, -1]] * 3
    assert result.members_needed == 2


def test_same_grid_comes_before_a_nearer_member_of_another_grid():
    lon, lat, village = _line(2, 100.0, 0)
    households = Households(lon, lat, village, np.array([0, 1]), np.zeros(2, dtype=bool))
    m_lon, m_lat, _ = _line(2, 1_000.0, 0)  # member 0 sits on household 0, member 1 far east
    members = Members(m_lon, m_lat, np.zeros(2, dtype=int), np.array([0, 1]), np.full(2, -1))
    result = assign_contacts(households, members)
    assert result.member.tolist() == [0, 1]


def test_key_households_are_spread_and_placed_first():
    """Six key households and two plain ones around two members of capacity 4 (key limit 2 at
    share 0.5, raised to 3 since six must be covered): the key ones all get a member."""
    lon, lat, village = _line(8, 50.0, 0)
    key = np.array([1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)
    households = Households(lon, lat, village, np.zeros(8, dtype=int), key)
    members = Members(
        lon[[0, 7]], lat[[0, 7]], np.zeros(2, dtype=int), np.zeros(2, dtype=int), np.full(2, -1)
    )
    result = assign_contacts(households, members, rules=AssignmentRules(capacity=4))
    assert result.key_limit.tolist() == [3, 3]
    assert (result.member[key] >= 0).all()
    assert result.key_load.tolist() == [3, 3]


@PROPERTY
@given(town=towns, capacity=st.integers(2, 10), lower_by=st.integers(1, 2))
def test_a_lower_capacity_keeps_each_members_nearest_links(town, capacity, lower_by):
    """Capacity lowered: the rules hold again, and each member keeps its nearest earlier
    households (no kept link is farther than one the member gave up)."""
    households, members = random_town(**town)
    first = assign_contacts(households, members, rules=AssignmentRules(capacity=capacity))
    rules = AssignmentRules(capacity=capacity - lower_by)
    again = assign_contacts(households, members, rules=rules, previous=not_pinned(first))
    check_rules(households, members, again, rules)
    for member in np.unique(first.member[first.member >= 0]).tolist():
        before = first.member == member
        kept = before & again.kept
        given_up = before & ~again.kept & ~households.key  # key ones may go for the key limit
        if kept.any() and given_up.any():
            known = ~np.isnan(first.distance_m)
            if (kept & known).any() and (given_up & known).any():
                farthest_kept = first.distance_m[kept & known].max()
                assert farthest_kept <= first.distance_m[given_up & known].min() + 1e-6


@PROPERTY
@given(town=towns, rules=rules_strategy)
def test_the_rules_hold_when_stages_are_placed_by_rounds(town, rules):
    """Past EXACT_CELLS (a very large village) the nearest-with-room rounds place households:
    the same rules hold, nobody is left out while a member of the village has room, and a
    re-run changes nothing."""
    households, members = random_town(**town)
    with patch.object(assignment, "EXACT_CELLS", 0):
        result = assign_contacts(households, members, rules=rules)
        check_rules(households, members, result, rules)
        again = assign_contacts(households, members, rules=rules, previous=not_pinned(result))
    assert (again.member == result.member).all()
