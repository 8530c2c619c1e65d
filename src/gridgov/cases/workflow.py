"""The case state machine (pure: no database, no web).

A case has a state and a handling level. ONE table, :data:`RULES`, says for every action
who may take it (a handler of the case's current level, the reporter, or the system) and
from which states. :func:`transition` applies one action to a :class:`CaseSnapshot` and
answers an :class:`Outcome` (what the case becomes), or raises :class:`TransitionRefused`.

Who is a handler: the role that handles the current level (access.roles.LEADER_OF), or
a handling role of a level above it (a leader above may act on a case below them; that the
role is held on an ancestor of the handling node is the caller's check, see
cases.actions), or the administrator. The district's handling role is the administrator.

Rules beyond the table:

- ``escalate`` (by hand) and ``auto_escalate`` (overdue) raise the level by one and put the
  case back to ``reported`` there. At the deployment's top level ``escalate`` is refused
  ("already at the top level") and ``auto_escalate`` only records that the case is overdue
  (state and level unchanged; the caller stops the timer).
- ``rate`` 3-5 closes. 1-2 the first time reopens the case at the same level (state
  ``in_progress``, reopens + 1); any later dissatisfaction escalates it; at the top level,
  where nothing is above, a later dissatisfaction closes it as dissatisfied (the rating
  stays on the case: the measures count it).
- ``return`` asks the reporter for more information; ``supply`` (the reporter answers) puts
  it back to ``reported`` at the same level.
- ``auto_close`` (no rating within the feedback time) closes a resolved case.
- ``warn`` (due soon) changes nothing but is recorded.
- closed, rejected and withdrawn are final.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from gridgov.access.roles import LEADER_OF, LEADS
from gridgov.cases.levels import CASE_LEVELS, next_level, rank
from gridgov.cases.states import CASE_STATES, OPEN_STATES

FINAL_STATES: Final = ("closed", "rejected", "withdrawn")

# Who takes an action.
HANDLER, REPORTER, SYSTEM = "handler", "reporter", "system"
# The pseudo-role the jobs pass in ``actor_roles_at_level``.
SYSTEM_ROLE: Final = "system"
ADMINISTRATOR: Final = "administrator"


@dataclass(frozen=True)
class Rule:
    actor: str  # HANDLER, REPORTER or SYSTEM
    from_states: tuple[str, ...]
    to_state: str | None  # None: decided by the action (rate, escalations) or unchanged


_WORKING = ("reported", "accepted", "in_progress")

# fmt: off
RULES: Final[dict[str, Rule]] = {
    #                      who        from states                           to state
    "accept":              Rule(HANDLER,  ("reported",),                          "accepted"),
    "start":               Rule(HANDLER,  ("reported", "accepted"),               "in_progress"),
    "return":              Rule(HANDLER,  _WORKING,                               "returned"),
    "supply":              Rule(REPORTER, ("returned",),                          "reported"),
    "resolve":             Rule(HANDLER,  ("accepted", "in_progress"),            "resolved"),
    "escalate":            Rule(HANDLER,  _WORKING,                               "reported"),
    "reject_duplicate":    Rule(HANDLER,  OPEN_STATES,                            "rejected"),
    "reject_out_of_scope": Rule(HANDLER,  OPEN_STATES,                            "rejected"),
    "withdraw":            Rule(REPORTER, OPEN_STATES,                            "withdrawn"),
    "rate":                Rule(REPORTER, ("resolved",),                          None),
    "auto_escalate":       Rule(SYSTEM,   OPEN_STATES,                            None),
    "auto_close":          Rule(SYSTEM,   ("resolved",),                          "closed"),
    "warn":                Rule(SYSTEM,   _WORKING,                               None),
}
# fmt: on
ACTIONS: Final = tuple(RULES)
SYSTEM_ACTIONS: Final = tuple(name for name, rule in RULES.items() if rule.actor == SYSTEM)
assert all(s in CASE_STATES for rule in RULES.values() for s in rule.from_states)
assert all(not set(rule.from_states) & set(FINAL_STATES) for rule in RULES.values())

_SATISFIED_FROM = 3


class TransitionRefused(Exception):
    """The action may not be taken now. ``who`` is True when the actor is the problem (not
    this actor, whatever the state), False when the state is."""

    def __init__(self, reason: str, *, who: bool = False, field: str = "action") -> None:
        super().__init__(reason)
        self.reason = reason
        self.who = who
        self.field = field


@dataclass(frozen=True)
class CaseSnapshot:
    state: str
    level: str
    top_level: str
    reopens: int = 0
    dissatisfactions: int = 0
    escalations: int = 0

    def __post_init__(self) -> None:
        if self.state not in CASE_STATES:
            raise ValueError(f"unknown state {self.state!r}")
        if self.level not in CASE_LEVELS or self.top_level not in CASE_LEVELS:
            raise ValueError(f"unknown level {self.level!r} or {self.top_level!r}")
        if rank(self.level) > rank(self.top_level):
            raise ValueError(f"level {self.level} is above the top level {self.top_level}")


@dataclass(frozen=True)
class Outcome:
    """What the case becomes. ``recorded_as`` is the timeline's action name (``overdue``
    when an overdue case at the top level could not be escalated)."""

    action: str
    recorded_as: str
    state: str
    level: str
    reopens: int
    dissatisfactions: int
    escalations: int
    escalated: bool = False
    reopened: bool = False
    closed: bool = False

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def is_handler(level: str, roles: frozenset[str]) -> bool:
    """Does one of these roles (held on the handling node or above it) handle ``level``?"""
    if ADMINISTRATOR in roles:
        return True
    return any(role in LEADS and rank(LEADS[role]) >= rank(level) for role in roles)


def _check_actor(
    snapshot: CaseSnapshot, action: str, rule: Rule, roles: frozenset[str], is_reporter: bool
) -> None:
    if rule.actor == SYSTEM and SYSTEM_ROLE not in roles:
        raise TransitionRefused(f"{action} is taken by the system only", who=True)
    if rule.actor == REPORTER and not is_reporter:
        raise TransitionRefused(f"only the reporter may {action} a case", who=True)
    if rule.actor == HANDLER and not is_handler(snapshot.level, roles):
        raise TransitionRefused(
            f"only a handler of the {snapshot.level} level "
            f"({LEADER_OF[snapshot.level]} or above) may {action} this case",
            who=True,
        )


def _check_state(snapshot: CaseSnapshot, action: str, rule: Rule) -> None:
    if snapshot.state in rule.from_states:
        return
    if snapshot.state in FINAL_STATES:
        raise TransitionRefused(f"the case is {snapshot.state}: nothing more can be done")
    allowed = ", ".join(rule.from_states)
    raise TransitionRefused(
        f"{action} is not allowed in state {snapshot.state} (only in: {allowed})"
    )


def _base(snapshot: CaseSnapshot, action: str, state: str) -> Outcome:
    return Outcome(
        action=action,
        recorded_as=action,
        state=state,
        level=snapshot.level,
        reopens=snapshot.reopens,
        dissatisfactions=snapshot.dissatisfactions,
        escalations=snapshot.escalations,
    )


def _escalated(snapshot: CaseSnapshot, outcome: Outcome) -> Outcome:
    above = next_level(snapshot.level, snapshot.top_level)
    assert above is not None
    return replace(
        outcome,
        state="reported",
        level=above,
        escalations=snapshot.escalations + 1,
        escalated=True,
    )


def _rate(snapshot: CaseSnapshot, rating: int | None) -> Outcome:
    if rating is None or not 1 <= rating <= 5:
        raise TransitionRefused("a rating is 1 to 5", field="rating")
    if rating >= _SATISFIED_FROM:
        return replace(_base(snapshot, "rate", "closed"), closed=True)
    unhappy = replace(
        _base(snapshot, "rate", snapshot.state), dissatisfactions=snapshot.dissatisfactions + 1
    )
    if snapshot.reopens == 0 and snapshot.dissatisfactions == 0:
        return replace(unhappy, state="in_progress", reopens=1, reopened=True)
    if next_level(snapshot.level, snapshot.top_level) is None:
        return replace(unhappy, state="closed", closed=True)  # closed as dissatisfied
    return _escalated(snapshot, unhappy)


def transition(
    snapshot: CaseSnapshot,
    action: str,
    *,
    actor_roles_at_level: frozenset[str],
    is_reporter: bool,
    rating: int | None = None,
) -> Outcome:
    """The case after ``action``, or TransitionRefused saying why not."""
    rule = RULES.get(action)
    if rule is None:
        raise TransitionRefused(f"unknown action {action!r}; one of: {', '.join(ACTIONS)}")
    _check_actor(snapshot, action, rule, actor_roles_at_level, is_reporter)
    _check_state(snapshot, action, rule)
    at_top = next_level(snapshot.level, snapshot.top_level) is None
    if action == "rate":
        return _rate(snapshot, rating)
    if action == "escalate":
        if at_top:
            raise TransitionRefused(f"already at the top level ({snapshot.level})")
        return _escalated(snapshot, _base(snapshot, action, "reported"))
    if action == "auto_escalate":
        if at_top:  # nothing above: only record that it is overdue
            return replace(_base(snapshot, action, snapshot.state), recorded_as="overdue")
        return _escalated(snapshot, _base(snapshot, action, "reported"))
    outcome = _base(snapshot, action, rule.to_state or snapshot.state)
    return replace(outcome, closed=outcome.state == "closed")


def available_actions(
    snapshot: CaseSnapshot, *, actor_roles_at_level: frozenset[str], is_reporter: bool
) -> list[str]:
    """The actions this actor may take now, in the table's order (``rate`` is offered
    whatever the rating will be)."""
    found = []
    for action in ACTIONS:
        try:
            transition(
                snapshot,
                action,
                actor_roles_at_level=actor_roles_at_level,
                is_reporter=is_reporter,
                rating=5,
            )
        except TransitionRefused:
            continue
        found.append(action)
    return found
