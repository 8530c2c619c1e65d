"""The pure case state machine: the table, the rules beyond it, and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.cases.levels import CASE_LEVELS, rank
from gridgov.cases.states import CASE_STATES, OPEN_STATES
from gridgov.cases.workflow import (
    ACTIONS,
    FINAL_STATES,
    RULES,
    SYSTEM_ROLE,
    CaseSnapshot,
    TransitionRefused,
    available_actions,
    is_handler,
    transition,
)

GRID = frozenset({"grid_leader"})
UNIT = frozenset({"unit_leader"})
SYSTEM = frozenset({SYSTEM_ROLE})
NOBODY: frozenset[str] = frozenset()


def snap(
    state: str = "reported", level: str = "unit", top: str = "town", **kw: int
) -> CaseSnapshot:
    return CaseSnapshot(state=state, level=level, top_level=top, **kw)


def by_handler(s: CaseSnapshot, action: str, roles: frozenset[str] = UNIT):
    return transition(s, action, actor_roles_at_level=roles, is_reporter=False)


def by_reporter(s: CaseSnapshot, action: str, rating: int | None = None):
    return transition(s, action, actor_roles_at_level=NOBODY, is_reporter=True, rating=rating)


def by_system(s: CaseSnapshot, action: str):
    return transition(s, action, actor_roles_at_level=SYSTEM, is_reporter=False)


def test_the_table_covers_every_action_and_no_final_state_is_a_source() -> None:
    assert set(ACTIONS) == {
        "accept",
        "start",
        "return",
        "supply",
        "resolve",
        "escalate",
        "reject_duplicate",
        "reject_out_of_scope",
        "withdraw",
        "rate",
        "auto_escalate",
        "auto_close",
        "warn",
    }
    for rule in RULES.values():
        assert not set(rule.from_states) & set(FINAL_STATES)


def test_the_daily_path_of_a_handler() -> None:
    s = snap()
    accepted = by_handler(s, "accept")
    assert (accepted.state, accepted.level) == ("accepted", "unit")
    started = by_handler(snap("accepted"), "start")
    assert started.state == "in_progress"
    resolved = by_handler(snap("in_progress"), "resolve")
    assert resolved.state == "resolved"
    assert not resolved.closed


def test_a_leader_above_may_act_on_a_case_below_but_not_one_below_above() -> None:
    assert is_handler("unit", frozenset({"village_secretary"}))
    assert is_handler("grid", frozenset({"administrator"}))
    assert not is_handler("grid", UNIT)
    assert not is_handler("village", frozenset({"resident", "party_member"}))
    with pytest.raises(TransitionRefused) as refused:
        by_handler(snap(level="grid"), "accept", UNIT)
    assert refused.value.who
    assert "grid" in refused.value.reason
    assert (
        by_handler(snap(level="grid"), "accept", frozenset({"town_official"})).state == "accepted"
    )


def test_the_reporter_cannot_handle_and_a_handler_cannot_rate() -> None:
    with pytest.raises(TransitionRefused) as refused:
        by_reporter(snap(), "accept")
    assert refused.value.who
    with pytest.raises(TransitionRefused) as refused:
        by_handler(snap("resolved"), "rate")
    assert refused.value.who
    with pytest.raises(TransitionRefused) as refused:
        by_handler(snap("in_progress"), "auto_escalate", frozenset({"administrator"}))
    assert refused.value.who


def test_a_state_refusal_says_which_states_allow_it() -> None:
    with pytest.raises(TransitionRefused) as refused:
        by_handler(snap("reported"), "resolve")
    assert not refused.value.who
    assert refused.value.field == "action"
    assert "not allowed in state reported" in refused.value.reason
    with pytest.raises(TransitionRefused) as refused:
        by_handler(snap("closed"), "accept")
    assert "closed" in refused.value.reason


def test_escalate_goes_up_one_level_back_to_reported_and_stops_at_the_top() -> None:
    up = by_handler(snap("in_progress", "unit"), "escalate")
    assert (up.state, up.level, up.escalated, up.escalations) == ("reported", "grid", True, 1)
    with pytest.raises(TransitionRefused, match="already at the top level"):
        by_handler(snap("accepted", "town", "town"), "escalate", frozenset({"town_official"}))


def test_auto_escalate_from_every_open_state_and_only_records_at_the_top() -> None:
    for state in OPEN_STATES:
        up = by_system(snap(state, "grid"), "auto_escalate")
        assert (up.state, up.level, up.recorded_as) == ("reported", "village", "auto_escalate")
    top = by_system(snap("accepted", "town", "town"), "auto_escalate")
    assert (top.state, top.level, top.escalated, top.recorded_as) == (
        "accepted",
        "town",
        False,
        "overdue",
    )
    with pytest.raises(TransitionRefused):
        by_system(snap("resolved"), "auto_escalate")


def test_return_and_supply_go_round_at_the_same_level() -> None:
    returned = by_handler(snap("accepted", "unit"), "return")
    assert returned.state == "returned"
    supplied = by_reporter(snap("returned", "unit"), "supply")
    assert (supplied.state, supplied.level) == ("reported", "unit")


@pytest.mark.parametrize("rating", [3, 4, 5])
def test_a_good_rating_closes(rating: int) -> None:
    outcome = by_reporter(snap("resolved"), "rate", rating)
    assert (outcome.state, outcome.closed, outcome.dissatisfactions) == ("closed", True, 0)


def test_a_bad_rating_reopens_once_then_escalates_and_at_the_top_closes() -> None:
    first = by_reporter(snap("resolved", "unit"), "rate", 2)
    assert (first.state, first.level, first.reopened, first.reopens) == (
        "in_progress",
        "unit",
        True,
        1,
    )
    second = by_reporter(snap("resolved", "unit", reopens=1, dissatisfactions=1), "rate", 1)
    assert (second.state, second.level, second.escalated, second.reopens) == (
        "reported",
        "grid",
        True,
        1,
    )
    at_top = by_reporter(snap("resolved", "town", "town", reopens=1, dissatisfactions=1), "rate", 1)
    assert (at_top.state, at_top.closed, at_top.dissatisfactions) == ("closed", True, 2)


@pytest.mark.parametrize("rating", [None, 0, 6])
def test_a_rating_is_one_to_five(rating: int | None) -> None:
    with pytest.raises(TransitionRefused) as refused:
        by_reporter(snap("resolved"), "rate", rating)
    assert refused.value.field == "rating"


def test_auto_close_only_from_resolved_and_warn_changes_nothing() -> None:
    assert by_system(snap("resolved"), "auto_close").state == "closed"
    with pytest.raises(TransitionRefused):
        by_system(snap("in_progress"), "auto_close")
    warned = by_system(snap("accepted", "grid"), "warn")
    assert (warned.state, warned.level) == ("accepted", "grid")


def test_available_actions_per_actor() -> None:
    assert available_actions(snap("reported"), actor_roles_at_level=UNIT, is_reporter=False) == [
        "accept",
        "start",
        "return",
        "escalate",
        "reject_duplicate",
        "reject_out_of_scope",
    ]
    assert available_actions(snap("reported"), actor_roles_at_level=NOBODY, is_reporter=True) == [
        "withdraw"
    ]
    assert available_actions(snap("resolved"), actor_roles_at_level=NOBODY, is_reporter=True) == [
        "rate"
    ]
    assert available_actions(snap("closed"), actor_roles_at_level=GRID, is_reporter=True) == []
    top = snap("accepted", "town", "town")
    assert "escalate" not in available_actions(
        top, actor_roles_at_level=frozenset({"town_official"}), is_reporter=False
    )


def test_a_snapshot_above_the_top_is_refused() -> None:
    with pytest.raises(ValueError, match="above the top level"):
        snap("reported", "district", "town")


# --- invariants over any sequence of steps ---------------------------------------------

ROLE_SETS = [UNIT, GRID, frozenset({"village_secretary"}), frozenset({"administrator"}), NOBODY]
steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from([*ROLE_SETS, SYSTEM]),
        st.booleans(),
        st.integers(min_value=1, max_value=5),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    start_level=st.sampled_from(CASE_LEVELS[:4]),
    top=st.sampled_from(CASE_LEVELS[1:]),
    steps=steps,
)
def test_any_sequence_of_allowed_actions_keeps_the_invariants(
    start_level: str, top: str, steps: list[tuple[str, frozenset[str], bool, int]]
) -> None:
    if rank(start_level) > rank(top):
        start_level = top
    s = snap("reported", start_level, top)
    for action, roles, reporter, rating in steps:
        offered = available_actions(s, actor_roles_at_level=roles, is_reporter=reporter)
        try:
            outcome = transition(
                s, action, actor_roles_at_level=roles, is_reporter=reporter, rating=rating
            )
        except TransitionRefused:
            assert action not in offered
            continue
        assert action in offered
        assert outcome.state in CASE_STATES
        assert rank(outcome.level) >= rank(s.level)  # the level never drops
        assert rank(outcome.level) <= rank(top)  # nor passes the top
        assert rank(outcome.level) - rank(s.level) <= 1  # one level at a time
        assert outcome.reopens <= 1
        assert outcome.escalations >= s.escalations
        assert outcome.dissatisfactions >= s.dissatisfactions
        assert outcome.escalated == (outcome.level != s.level)
        if outcome.escalated:
            assert outcome.state == "reported"
        assert outcome.closed == (outcome.state == "closed")
        if s.state in FINAL_STATES:
            raise AssertionError("an action was allowed from a final state")
        s = CaseSnapshot(
            state=outcome.state,
            level=outcome.level,
            top_level=top,
            reopens=outcome.reopens,
            dissatisfactions=outcome.dissatisfactions,
            escalations=outcome.escalations,
        )
    if s.state in FINAL_STATES:
        for action in ACTIONS:
            for roles in [*ROLE_SETS, SYSTEM]:
                with pytest.raises(TransitionRefused):
                    transition(s, action, actor_roles_at_level=roles, is_reporter=True, rating=5)


@settings(max_examples=300, deadline=None)
@given(top=st.sampled_from(CASE_LEVELS[1:]), data=st.data())
def test_walks_through_offered_actions_reach_every_kind_of_end(
    top: str, data: st.DataObject
) -> None:
    """Only offered actions, so the walk goes deep: reopen, escalate, close at the top."""
    s = snap("reported", "unit", top)
    for _ in range(30):
        actors = [(roles, reporter) for roles in [*ROLE_SETS, SYSTEM] for reporter in (False, True)]
        roles, reporter = data.draw(st.sampled_from(actors))
        offered = available_actions(s, actor_roles_at_level=roles, is_reporter=reporter)
        if not offered:
            if s.state in FINAL_STATES:
                break
            continue
        action = data.draw(st.sampled_from(offered))
        rating = data.draw(st.integers(min_value=1, max_value=5))
        outcome = transition(
            s, action, actor_roles_at_level=roles, is_reporter=reporter, rating=rating
        )
        assert rank(s.level) <= rank(outcome.level) <= rank(top)
        assert outcome.reopens <= 1
        if outcome.reopened:
            assert s.reopens == 0
            assert outcome.level == s.level
        if action == "rate" and rating <= 2 and not outcome.reopened:
            assert outcome.escalated or (outcome.closed and s.level == top)
        s = CaseSnapshot(
            state=outcome.state,
            level=outcome.level,
            top_level=top,
            reopens=outcome.reopens,
            dissatisfactions=outcome.dissatisfactions,
            escalations=outcome.escalations,
        )
    assert s.escalations == rank(s.level)  # every level above unit is one escalation
