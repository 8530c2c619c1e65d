"""Rules of higher packages that may refuse retiring a territory node (a hook).

The territory knows nothing of households, posts or cases; a package above it that holds
rows hanging on a node adds a guard here (see :mod:`gridgov.database.hooks`), and
:func:`gridgov.territory.actions.check_retire_territory` asks every guard before it
retires the node. A guard raises a DomainError (a Conflict) to refuse.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gridgov.territory.models import Territory

RetireGuard = Callable[[Session, Territory], None]

_guards: list[RetireGuard] = []


def add_retire_guard(guard: RetireGuard) -> None:
    """Ask ``guard`` before every retirement (adding the same guard twice adds it once)."""
    if guard not in _guards:
        _guards.append(guard)


def retire_guards() -> tuple[RetireGuard, ...]:
    return tuple(_guards)


def check_retire_guards(session: Session, node: Territory) -> None:
    """Raise the first guard's refusal, if any guard refuses."""
    for guard in _guards:
        guard(session, node)
