"""`gridgov worker`: the job worker (case timers, notification delivery)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import typer
from sqlalchemy.orm import Session, sessionmaker

from gridgov import clock
from gridgov.cli.common import console, err_console, open_engine, settings, state
from gridgov.database.sessions import session_factory
from gridgov.jobs.worker import DEFAULT_INTERVAL, Worker


@contextlib.contextmanager
def _session_maker() -> Iterator[sessionmaker[Session]]:
    if state.session_maker is not None:  # tests bind the CLI to their own connection
        yield state.session_maker
        return
    with open_engine() as engine:
        yield session_factory(engine)


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def handler(signum: int, _frame: FrameType | None) -> None:
        err_console.print(f"worker: {signal.Signals(signum).name} received, stopping")
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _pretend_time(at: str | None, *, once: bool) -> contextlib.AbstractContextManager[None]:
    if at is None:
        return contextlib.nullcontext()
    if not once:
        raise typer.BadParameter("--now goes with --once only", param_hint="--now")
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 time: {at}", param_hint="--now") from exc
    if moment.tzinfo is None:
        raise typer.BadParameter("give the offset, e.g. +08:00", param_hint="--now")
    return clock.frozen(moment)


def worker(
    once: bool = typer.Option(
        False, "--once", help="Run every step until no work is left, print counts, exit."
    ),
    interval: float = typer.Option(
        DEFAULT_INTERVAL, min=0.1, help="Seconds to sleep after a round that found no work."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --once: counts as JSON."),
    at: str | None = typer.Option(
        None,
        "--now",
        help="With --once: act as if it were this time (ISO 8601 with an offset, e.g. "
        "2026-12-07T10:00+08:00), to watch deadlines pass without waiting for them.",
    ),
) -> None:
    """Escalate overdue cases, warn before due, close unrated ones, deliver notifications."""
    stop = threading.Event()
    pretend = _pretend_time(at, once=once)
    with _session_maker() as maker:
        job = Worker(maker, settings=settings(), interval=interval, stop=stop)
        if not once:
            console.print(f"gridgov worker running (idle interval {interval:g}s); Ctrl-C stops")
            with _stop_on_signals(stop):
                job.run_forever()
            return
        with pretend:
            result = job.run_until_idle()
    if as_json:
        typer.echo(json.dumps({"counts": result.counts, "errors": result.errors}))
    else:
        for name, count in result.counts.items():
            console.print(f"{name}: {count}")
    for name, error in result.errors.items():
        err_console.print(f"error: step {name} failed: {error}", markup=False, highlight=False)
    if result.errors:
        raise typer.Exit(1)
