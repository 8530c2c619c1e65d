"""The case timer rules (pure: no database): what is due, and what a due case becomes.

Timers are columns of the case (``due_at``, ``warn_at``, ``feedback_due_at``), so that a job
finds what is due with an index and nothing is lost on a restart. Three system steps act on
them (:data:`DUE`): ``auto_escalate`` an open case past its deadline, ``warn`` a case a
handler works on when its warning time comes, ``auto_close`` a resolved case whose reporter
did not rate in time. :class:`Planner` answers what one step makes of one case (its new
column values and its timeline event); cases.timers.steps writes it, for one case or a
batch, the same way.

A level's limit: a level with no limit in the case's deadlines takes the limit of the
nearest level below it that has one (a category that says "unit: 8 hours" and nothing else
gives a case escalated to the grid 8 working hours again); with none below, the nearest
level above. A case whose deadlines are empty gets no due and no warning (it never
escalates by itself).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gridgov.cases import workflow
from gridgov.cases.deadlines import Limit, WorkingCalendar, deadline, limit_warning_time
from gridgov.cases.levels import CASE_LEVELS, handler_code_for, rank
from gridgov.cases.states import OPEN_STATES

FEEDBACK_WAIT: Final = dt.timedelta(days=3)  # calendar days, not working days
WARNING_SHARE: Final = 0.75


@dataclass(frozen=True)
class Due:
    """Which timer column a system step watches, and in which states a case is acted on."""

    timer: str
    states: tuple[str, ...]


# The order is the worker's: escalate first, so that a case overdue and due for a warning in
# the same sweep is escalated, not warned about a deadline already gone. The warning is for
# cases a handler works on (a returned case waits on its reporter).
DUE: Final[dict[str, Due]] = {
    "auto_escalate": Due("due_at", OPEN_STATES),
    "warn": Due("warn_at", ("reported", "accepted", "in_progress")),
    "auto_close": Due("feedback_due_at", ("resolved",)),
}


def limit_for(deadlines: Mapping[str, Any], level: str) -> Limit | None:
    """The limit for ``level``: its own, else the nearest lower level's, else the nearest
    higher level's, else None."""
    below_first = [CASE_LEVELS[i] for i in range(rank(level), -1, -1)]
    above = list(CASE_LEVELS[rank(level) + 1 :])
    for candidate in below_first + above:
        value = deadlines.get(candidate)
        if value:
            return Limit.parse(value)
    return None


def level_timers(
    calendar: WorkingCalendar, limit: Limit | None, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(due_at, warn_at)`` of a level started at ``now`` with this limit over the working
    calendar; none without a limit."""
    if limit is None:
        return None, None
    due = deadline(calendar, now, limit)
    return due, limit_warning_time(calendar, now, due, limit, WARNING_SHARE)


@dataclass(frozen=True, slots=True)
class TimerCase:
    """What a system step reads of a case: these columns of its row (a claimed row's, or an
    ORM case's), in the order of :data:`TIMER_FIELDS`."""

    id: str
    version: int
    state: str
    level: str
    territory_code: str
    handler_code: str
    title: str
    category_code: str
    reporter_user_id: str | None
    deadlines: dict[str, Any] | None
    level_started_at: dt.datetime
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    feedback_due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue_ever: bool
    escalations: int
    reopens: int
    dissatisfactions: int

    @classmethod
    def of(cls, case: Any) -> TimerCase:
        """From any object with these attributes (an ORM case)."""
        return cls(*(getattr(case, name) for name in TIMER_FIELDS))


TIMER_FIELDS: Final = tuple(f.name for f in dataclasses.fields(TimerCase))
# The columns a system step may write, in the table's order.
WRITTEN: Final = (
    "level",
    "handler_code",
    "state",
    "level_started_at",
    "due_at",
    "warn_at",
    "feedback_due_at",
    "closed_at",
    "escalations",
    "overdue_ever",
)


@dataclass
class Planned:
    """What one step does to one case: the case before, the outcome, the values of every
    WRITTEN column after, the case as it is after (for its notices) and its timeline event
    (without case id, number and time)."""

    case: TimerCase
    outcome: workflow.Outcome
    values: dict[str, Any]
    after: TimerCase
    event: dict[str, Any]

    @property
    def before(self) -> dict[str, Any]:
        return {name: getattr(self.case, name) for name in WRITTEN}


OutcomeKey = tuple[str, str, str, int, int, int]


@dataclass
class Planner:
    """Plans the system steps of one sweep: the deployment's top level, the working
    calendar and the step's time are shared, and what is the same for many cases is
    computed once (the outcome of a step from a given snapshot: workflow.transition is
    pure; the timers of a level started now with a given limit)."""

    top_level: str
    calendar: WorkingCalendar
    now: dt.datetime
    actor: str
    _outcomes: dict[OutcomeKey, workflow.Outcome] = field(default_factory=dict)
    _timers: dict[Limit | None, tuple[dt.datetime | None, dt.datetime | None]] = field(
        default_factory=dict
    )

    def outcome(self, case: TimerCase, action: str) -> workflow.Outcome:
        """The system's ``action`` on the case (workflow.transition; raises
        TransitionRefused). A case handled above the deployment's top level (data from
        before a change) has its own level as top."""
        key = (
            action,
            case.state,
            case.level,
            case.reopens,
            case.dissatisfactions,
            case.escalations,
        )
        if key not in self._outcomes:
            top = self.top_level
            snapshot = workflow.CaseSnapshot(
                state=case.state,
                level=case.level,
                top_level=top if rank(top) >= rank(case.level) else case.level,
                reopens=case.reopens,
                dissatisfactions=case.dissatisfactions,
                escalations=case.escalations,
            )
            self._outcomes[key] = workflow.transition(
                snapshot,
                action,
                actor_roles_at_level=frozenset({workflow.SYSTEM_ROLE}),
                is_reporter=False,
            )
        return self._outcomes[key]

    def level_timers(self, case: TimerCase, level: str) -> dict[str, Any]:
        """The level starts now: due and warning from the case's limit for it."""
        limit = limit_for(case.deadlines or {}, level)
        if limit not in self._timers:
            self._timers[limit] = level_timers(self.calendar, limit, self.now)
        due, warn = self._timers[limit]
        return {
            "level_started_at": self.now,
            "feedback_due_at": None,
            "due_at": due,
            "warn_at": warn,
        }

    def plan(self, case: TimerCase, action: str) -> Planned:
        """What the system step ``action`` makes of ``case``:

        - ``auto_escalate``: up one level with the level's new deadline; at the top level
          only recorded as overdue (``overdue``), the deadline cleared (nothing above);
          ``overdue_ever`` either way;
        - ``warn``: recorded, the warning cleared (it is given once);
        - ``auto_close``: closed now, every timer cleared."""
        outcome = self.outcome(case, action)
        values = {name: getattr(case, name) for name in WRITTEN}
        values.update(state=outcome.state, escalations=outcome.escalations)
        details: dict[str, Any] = {}
        if action in ("auto_escalate", "warn"):
            details["due_at"] = case.due_at.isoformat() if case.due_at else None
        if action == "auto_escalate":
            values["overdue_ever"] = True
            if not outcome.escalated:
                values.update(due_at=None, warn_at=None)
        if action == "warn":
            values["warn_at"] = None
        if outcome.escalated:
            values["level"] = outcome.level
            values["handler_code"] = handler_code_for(case.territory_code, outcome.level)
            values.update(self.level_timers(case, outcome.level))
            details["escalated_to"] = values["handler_code"]
        if outcome.closed:
            values["closed_at"] = self.now
        if outcome.final:
            values.update(due_at=None, warn_at=None, feedback_due_at=None)
        event = {
            "action": outcome.recorded_as,
            "from_state": case.state,
            "to_state": values["state"],
            "from_level": case.level,
            "to_level": values["level"],
            "actor": self.actor,
            "note": "",
            "details": details,
        }
        after = dataclasses.replace(case, **values)
        return Planned(case, outcome, values, after, event)
