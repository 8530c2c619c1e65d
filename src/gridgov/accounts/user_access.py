"""Which users a leader may manage (reset a password): only those whose every role sits in
the leader's subtree and below the leader's own rank, so nobody resets a peer's or a
superior's password. Anyone else answers 404, exactly like a missing user."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.accounts.access import require
from gridgov.accounts.models import ROLES, User
from gridgov.accounts.policy import rule
from gridgov.accounts.principal import Principal, Scope, principal_for
from gridgov.errors import NotFound

# ROLES is ordered from the widest authority (administrator) to the narrowest (resident).
RANK = {role: position for position, role in enumerate(ROLES)}


def _covers(leader: Scope, target: Scope) -> bool:
    if rule(leader.role, "update", "user") is None:
        return False
    if leader.territory_code is None:  # an administrator of the whole platform
        return True
    if target.territory_code is None or not target.territory_code.startswith(leader.territory_code):
        return False
    return target.territory_code != leader.territory_code or RANK[target.role] > RANK[leader.role]


def access_user_to_manage(session: Session, user_id: str, principal: Principal) -> User:
    require(principal, "update", "user")
    target = session.get(User, user_id)
    missing = NotFound(f"no user has id {user_id}")
    if target is None or target.id == principal.user_id:
        raise missing
    target_scopes = principal_for(session, target).scopes
    if "administrator" in principal.roles:
        return target
    if not target_scopes or not all(
        any(_covers(mine, theirs) for mine in principal.scopes) for theirs in target_scopes
    ):
        raise missing
    return target
