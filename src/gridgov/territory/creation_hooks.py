"""Packages above the territory that act when nodes are created, retired or re-activated
(hooks): the groups package creates a village's group and its leaders' group with the
village, in the same transaction, and archives (re-opens) the groups of nodes retired
(re-activated). :func:`gridgov.territory.actions.check_create_territory` (one node) and
:func:`~gridgov.territory.actions.check_create_territories` (a batch) call every creation
hook once with the new nodes; the retirements (one node, a batch) and a rollback's
re-activation call every status hook once with the codes and their new status; hooks are
added by :mod:`gridgov.database.hooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CreatedNode:
    code: str
    level: str
    name_zh: str


CreationHook = Callable[[Session, Sequence[CreatedNode], str], None]  # (session, nodes, actor)

_hooks: list[CreationHook] = []


def add_creation_hook(hook: CreationHook) -> None:
    """Call ``hook`` after every creation (adding the same hook twice adds it once)."""
    if hook not in _hooks:
        _hooks.append(hook)


def run_creation_hooks(session: Session, nodes: Sequence[CreatedNode], *, actor: str) -> None:
    if nodes:
        for hook in _hooks:
            hook(session, nodes, actor)


# (session, codes, new status: "retired" or "active", actor)
StatusHook = Callable[[Session, Sequence[str], str, str], None]

_status_hooks: list[StatusHook] = []


def add_status_hook(hook: StatusHook) -> None:
    """Call ``hook`` after every retirement and re-activation (adding it twice adds it once)."""
    if hook not in _status_hooks:
        _status_hooks.append(hook)


def run_status_hooks(session: Session, codes: Sequence[str], status: str, *, actor: str) -> None:
    if codes:
        for hook in _status_hooks:
            hook(session, codes, status, actor)
