"""Case timers: the deadline, the warning and the feedback wait, stored as columns of the
case and acted on by the system steps (escalate, warn, auto-close).

- ``rules``: pure: which timer each step watches, what a due case becomes (new values,
  timeline event), a level's limit and timers over the working calendar;
- ``case_timers``: the timer columns of one ORM case, set by a person's action or intake;
- ``sweep``: claiming the due rows (``FOR UPDATE SKIP LOCKED``), and what a batch reads once;
- ``steps``: the system steps written for a batch at once (one case is a batch of one).

jobs.escalation polls them.
"""
