"""What every CLI command shares: its transaction, its actor, its error reporting."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.core import TyperGroup

from gridgov.errors import GridgovError
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for, session_factory
from gridgov.storage.migrate import ensure_migrated

console = Console()
err_console = Console(stderr=True)


class _State:
    # Tests bind the CLI to their own (rolled-back) connection through this.
    session_maker: sessionmaker[Session] | None = None


state = _State()


class GridgovGroup(TyperGroup):
    """Turns a GridgovError anywhere below into a one-line reason and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GridgovError as exc:
            raise click.ClickException(str(exc)) from exc


def new_typer(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=GridgovGroup, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False
    )


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def open_engine(*, check_migrated: bool = True) -> Engine:
    engine = create_engine_for(Settings().resolved_database_url())
    if check_migrated:
        ensure_migrated(engine)
    return engine


@contextmanager
def transaction() -> Iterator[Session]:
    """One CLI command, one transaction: committed if the block ends, else rolled back."""
    maker = state.session_maker or session_factory(open_engine())
    with maker() as session, session.begin():
        yield session
