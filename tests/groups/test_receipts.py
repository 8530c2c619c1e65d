"""Notice receipts by household, and reminder lists per unit leader (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridgov.groups.receipts import (
    HouseholdPlace,
    household_states,
    reminder_lists,
    tally,
)

HOUSEHOLDS = [
    HouseholdPlace("h1", "G1", "U1"),
    HouseholdPlace("h2", "G1", "U1"),
    HouseholdPlace("h3", "G1", "U2"),
    HouseholdPlace("h4", "G2", "U3"),
    HouseholdPlace("h5", "G2", None),
]
UNPLACED = HouseholdPlace("h6", None, None)


def states(read=(), acknowledged=(), told=None):
    return household_states(
        HOUSEHOLDS,
        read_by_member=set(read),
        acknowledged_by_member=set(acknowledged),
        told=told or {},
    )


def test_a_household_read_when_a_member_read_or_its_leader_told_it() -> None:
    result = {state.household_id: state for state in states(read={"h1"}, told={"h3": False})}
    assert result["h1"].read and result["h3"].read
    assert not result["h2"].read
    assert not result["h3"].acknowledged


def test_a_told_mark_with_confirmation_acknowledges() -> None:
    result = {state.household_id: state for state in states(told={"h4": True})}
    assert result["h4"].read and result["h4"].acknowledged


def test_counts_by_grid_and_unit() -> None:
    receipts = tally(HOUSEHOLDS, states(read={"h1", "h4"}, acknowledged={"h4"}, told={"h5": False}))
    total = receipts.total
    assert (total.households, total.read, total.acknowledged) == (5, 3, 1)
    assert (receipts.by_grid["G1"].households, receipts.by_grid["G1"].read) == (3, 1)
    assert (receipts.by_grid["G2"].read, receipts.by_grid["G2"].acknowledged) == (2, 1)
    assert (receipts.by_unit["U1"].households, receipts.by_unit["U1"].read) == (2, 1)
    assert "None" not in receipts.by_unit and None not in receipts.by_unit


def test_reminders_go_to_the_unit_leader_else_the_grid_leader() -> None:
    lists = reminder_lists(
        HOUSEHOLDS,
        states(read={"h1"}),
        unit_leaders={"U1": "leader-u1"},
        grid_leaders={"G1": "leader-g1", "G2": "leader-g2"},
        acknowledgement_required=False,
    )
    assert lists == {"leader-u1": ["h2"], "leader-g1": ["h3"], "leader-g2": ["h4", "h5"]}


def test_with_acknowledgement_required_a_read_household_is_still_reminded() -> None:
    lists = reminder_lists(
        HOUSEHOLDS,
        states(read={"h1", "h2", "h3", "h4", "h5"}, acknowledged={"h2"}),
        unit_leaders={},
        grid_leaders={"G1": "g1"},
        acknowledgement_required=True,
    )
    assert lists == {"g1": ["h1", "h3"], None: ["h4", "h5"]}


@given(st.sets(st.sampled_from(["h1", "h2", "h3", "h4", "h5"])))
def test_every_unread_household_is_on_exactly_one_list(read: set[str]) -> None:
    lists = reminder_lists(
        HOUSEHOLDS,
        states(read=read),
        unit_leaders={"U2": "u2"},
        grid_leaders={"G1": "g1"},
        acknowledgement_required=False,
    )
    listed = [household for households in lists.values() for household in households]
    assert sorted(listed) == sorted({"h1", "h2", "h3", "h4", "h5"} - read)
    assert tally(HOUSEHOLDS, states(read=read)).total.read == len(read)


def test_a_household_not_yet_in_a_grid_counts_in_the_total_and_falls_to_nobody() -> None:
    places = [*HOUSEHOLDS, UNPLACED]
    states = household_states(places, read_by_member=set(), acknowledged_by_member=set(), told={})
    receipts = tally(places, states)
    assert receipts.total.households == 6
    assert sum(t.households for t in receipts.by_grid.values()) == 5
    lists = reminder_lists(
        places, states, unit_leaders={}, grid_leaders={}, acknowledgement_required=False
    )
    assert lists == {None: ["h1", "h2", "h3", "h4", "h5", "h6"]}
