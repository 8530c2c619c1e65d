"""What every CLI command shares: its settings, its transaction, its actor, its error
reporting."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.core import TyperGroup

from gridgov.database.keys import bind_keys
from gridgov.database.migrate import ensure_migrated
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.errors import GridgovError
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for
from gridgov.validation import text_problem

console = Console()
err_console = Console(stderr=True)


class _State:
    # Tests bind the CLI to their own (rolled-back) connection through this.
    session_maker: sessionmaker[Session] | None = None
    # This invocation's settings, read from the environment by start_invocation().
    settings: Settings | None = None


state = _State()


def start_invocation() -> Settings:
    """Read the settings of this invocation from the environment and install what the
    process shares (timezone, key ring, working hours); the ``gridgov`` command's callback
    runs it before any command."""
    try:
        configured = Settings()
        install(configured)
    except ValueError as exc:  # a bad GRIDGOV_* value (pydantic's errors are ValueErrors too)
        raise GridgovError(f"settings: {exc}") from exc
    state.settings = configured
    return configured


def settings() -> Settings:
    """The settings of this invocation (read once, by :func:`start_invocation`)."""
    return state.settings or start_invocation()


_ARGUMENT_PROBLEM = "gridgov.argument_problem"


class GridgovGroup(TyperGroup):
    """Turns a GridgovError anywhere below into a one-line reason and exit code 1, and
    refuses an argument that breaks the input rule (gridgov.validation) before any command
    runs: no argument holds a control or text-direction character other than tab and
    newline; which fields may hold those, the command's action decides."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for position, arg in enumerate(args, start=1):
            problem = text_problem(arg, multi_line=True)
            if problem is not None:
                ctx.meta.setdefault(_ARGUMENT_PROBLEM, f"argument {position} {problem}")
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            if _ARGUMENT_PROBLEM in ctx.meta:
                raise GridgovError(ctx.meta[_ARGUMENT_PROBLEM])
            return super().invoke(ctx)
        except GridgovError as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc


def new_typer(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=GridgovGroup, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False
    )


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@contextmanager
def open_engine(*, check_migrated: bool = True) -> Iterator[Engine]:
    """The configured database's engine, disposed (connections closed) at the end. Unless
    told not to (``db upgrade`` checks for itself, ``db current`` only reads the revision),
    the database must be migrated and the keys at hand must serve its data
    (database.keys.bind_keys: a one-line refusal naming the data directory otherwise)."""
    engine = create_engine_for(settings().resolved_database_url())
    try:
        if check_migrated:
            ensure_migrated(engine)
            bind_keys(engine, settings())
        yield engine
    finally:
        engine.dispose()


@contextmanager
def transaction() -> Iterator[Session]:
    """One CLI command, one transaction: committed if the block ends, else rolled back."""
    maker = state.session_maker
    with contextlib.ExitStack() as stack:
        if maker is None:
            maker = session_factory(stack.enter_context(open_engine()))
        session = stack.enter_context(maker())
        session.info["actor"] = cli_actor()  # the audit log's actor for this command
        with session.begin():
            yield session
