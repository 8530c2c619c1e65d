"""Rules of higher packages that may refuse retiring a territory node (a hook).

The territory knows nothing of households, posts or cases; a package above it that holds
rows hanging on a node adds a guard here (see :mod:`gridgov.database.hooks`), and
:func:`gridgov.territory.actions.check_retire_territory` (one node) and
:func:`~gridgov.territory.actions.check_retire_territories` (a batch) ask every guard
before they retire. A guard is given the codes of the whole batch at once (one query for
hundreds of nodes) and raises a DomainError (a Conflict) naming a node to refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

RetireGuard = Callable[[Session, Sequence[str]], None]

_guards: list[RetireGuard] = []


def add_retire_guard(guard: RetireGuard) -> None:
    """Ask ``guard`` before every retirement (adding the same guard twice adds it once)."""
    if guard not in _guards:
        _guards.append(guard)


def retire_guards() -> tuple[RetireGuard, ...]:
    return tuple(_guards)


def check_retire_guards(session: Session, codes: Sequence[str]) -> None:
    """Raise the first guard's refusal of retiring the nodes ``codes``, if any refuses."""
    for guard in _guards:
        guard(session, codes)
