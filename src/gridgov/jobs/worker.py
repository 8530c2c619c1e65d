"""The job worker: runs the registered steps in a loop, each in a transaction of its own.

A step is ``run(session) -> int`` (how much work it did; 0 means none was waiting). STEPS
lists them in the order of a round: the working calendar (seeds this year and next when
either has no row yet), the case timers (escalate, warn, auto-close, from
gridgov.jobs.escalation), the roll-calls' escalation in minutes (gridgov.emergency), the
party members' weekly contact digest and the villages' monthly contact summary (posted in
the village group in the first days of a month), then the outbox delivery, so that what a
timer step wrote is delivered in the same round, then the pruning of expired realtime
events; then the e-mail digests that are due and the bridges (WeCom, e-mail, SMS:
gridgov.jobs.bridges), a step of their own so a failing bridge never holds up the inbox.
Adding a step is one line in ``STEPS``.

A round that did some work is followed at once by another; an idle round sleeps
``interval`` seconds. A failing step is logged and retried in the next round: nothing is
lost, since work is rows (timers, outbox) and a failed step rolls back. Stop with the
``stop`` event (SIGTERM/SIGINT in ``gridgov worker``, server shutdown in ``gridgov serve``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from gridgov import clock
from gridgov.cases.calendar import ensure_calendar_seeded
from gridgov.contacts.digest import run_digest_step
from gridgov.contacts.summary import run_summary_step
from gridgov.deployment import install
from gridgov.emergency.escalation import run_rollcall_escalation_step
from gridgov.jobs import escalation
from gridgov.jobs.actor import JOB_ACTOR
from gridgov.jobs.bridges import deliver_bridges_step, digest_step
from gridgov.jobs.delivery import deliver_outbox_step
from gridgov.notify.realtime.log import prune_expired_events_step
from gridgov.settings import Settings
from gridgov.storage.engine import begin_as_writer

log = logging.getLogger("gridgov.worker")
DEFAULT_INTERVAL = 5.0
# --once stops after this many rounds even if a step keeps finding work (a bug, not load).
MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Session], int]


def _timer_step(run: escalation.Step) -> Step:
    name = run.__name__.removeprefix("run_").removesuffix("_step")
    return Step(name, lambda session: run(session, now=clock.now()))


def _calendar_step(session: Session) -> int:
    return ensure_calendar_seeded(session, actor=JOB_ACTOR)


STEPS: tuple[Step, ...] = (
    Step("calendar", _calendar_step),
    *(_timer_step(run) for run in escalation.STEPS),
    _timer_step(run_rollcall_escalation_step),
    Step("contact_digest", lambda session: run_digest_step(session, today=clock.today())),
    Step(
        "contact_summary",
        lambda session: run_summary_step(session, today=clock.today(), actor=JOB_ACTOR),
    ),
    Step("deliver_outbox", deliver_outbox_step),
    Step("prune_events", prune_expired_events_step),
    Step("digests", digest_step),
    Step("deliver_bridges", deliver_bridges_step),
)


@dataclass
class RoundResult:
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def work(self) -> int:
        return sum(self.counts.values())


class Worker:
    """Given ``settings``, the worker installs them for its process (timezone, key ring,
    working hours: gridgov.deployment), as ``gridgov worker`` does; without, it runs on
    what its process installed (the one embedded in ``gridgov serve`` shares the app's)."""

    def __init__(
        self,
        session_maker: sessionmaker[Session],
        *,
        settings: Settings | None = None,
        steps: Iterable[Step] = STEPS,
        interval: float = DEFAULT_INTERVAL,
        stop: threading.Event | None = None,
    ) -> None:
        if settings is not None:
            install(settings)
        self.session_maker = session_maker
        self.steps = tuple(steps)
        self.interval = interval
        self.stop = stop or threading.Event()

    def run_step(self, step: Step) -> int:
        """One step in one transaction: committed when it returns, rolled back if it fails."""
        with self.session_maker() as session, session.begin():
            begin_as_writer(session)  # on SQLite, queue behind API writers instead of failing
            session.info["actor"] = JOB_ACTOR  # the audit log's actor of the step's ORM writes
            return step.run(session)

    def run_round(self) -> RoundResult:
        result = RoundResult()
        for step in self.steps:
            if self.stop.is_set():
                break
            try:
                result.counts[step.name] = self.run_step(step)
            except Exception as exc:
                log.exception("worker step %s failed; retrying next round", step.name)
                result.counts[step.name] = 0
                result.errors[step.name] = f"{type(exc).__name__}: {exc}"
        return result

    def run_until_idle(self) -> RoundResult:
        """Rounds until one finds no work (``gridgov worker --once``): the totals, and the
        last error of each failing step."""
        total = RoundResult()
        for _ in range(MAX_ROUNDS):
            result = self.run_round()
            for name, count in result.counts.items():
                total.counts[name] = total.counts.get(name, 0) + count
            total.errors.update(result.errors)
            if result.work == 0 or result.errors or self.stop.is_set():
                break
        return total

    def run_forever(self) -> None:
        """Until ``stop`` is set; sleeps ``interval`` after an idle round."""
        log.info("worker started: %s", ", ".join(step.name for step in self.steps))
        while not self.stop.is_set():
            result = self.run_round()
            if result.work:
                log.info("worker round: %s", result.counts)
            if result.work == 0 or result.errors:
                self.stop.wait(self.interval)
        log.info("worker stopped")


def start_in_thread(worker: Worker) -> threading.Thread:
    """The worker in a daemon thread (inside ``gridgov serve``); stop it with its event."""
    thread = threading.Thread(target=worker.run_forever, name="gridgov-worker", daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def embedded_worker(
    session_maker: sessionmaker[Session], *, enabled: bool, interval: float = DEFAULT_INTERVAL
) -> Iterator[Worker | None]:
    """A worker thread for the life of the block (``gridgov serve``), stopped and joined at
    its end; ``enabled=False`` (GRIDGOV_EMBEDDED_WORKER=false) runs none."""
    if not enabled:
        yield None
        return
    worker = Worker(session_maker, interval=interval)
    thread = start_in_thread(worker)
    try:
        yield worker
    finally:
        worker.stop.set()
        thread.join(timeout=30)
