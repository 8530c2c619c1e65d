"""The bearer-token caller: kept in ``gridgov.http.bearer`` (shared with the pages'
plumbing), re-exported here for the API's routers."""

from gridgov.http.bearer import (
    TOKEN_URL,
    ActorDep,
    Authenticated,
    AuthenticatedDep,
    CurrentUserDep,
    actor_of,
    authenticated_token,
    authenticated_user,
    oauth2_scheme,
)

__all__ = [
    "TOKEN_URL",
    "ActorDep",
    "Authenticated",
    "AuthenticatedDep",
    "CurrentUserDep",
    "actor_of",
    "authenticated_token",
    "authenticated_user",
    "oauth2_scheme",
]
