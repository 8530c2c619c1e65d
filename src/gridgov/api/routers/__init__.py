"""Every router the app mounts under /api/v1, in one list."""

from fastapi import APIRouter

from gridgov.api.routers import (
    auth,
    households,
    imports,
    posts,
    residents,
    territories,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    territories.router,
    households.router,
    residents.router,
    posts.router,
    imports.router,
]
