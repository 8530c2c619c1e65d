"""Packages above the territory that act when nodes are created (a hook): the groups
package creates a village's group and its leaders' group with the village, in the same
transaction. :func:`gridgov.territory.actions.check_create_territory` (one node) and
:func:`~gridgov.territory.actions.check_create_territories` (a batch) call every hook once
with the new nodes; hooks are added by :mod:`gridgov.database.hooks`.
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
