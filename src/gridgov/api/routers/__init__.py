"""Every router the app mounts under /api/v1, in one list."""

from fastapi import APIRouter

from gridgov.api.routers import (
    households,
    imports,
    posts,
    residents,
    territories,
)

ROUTERS: list[APIRouter] = [
    territories.router,
    households.router,
    residents.router,
    posts.router,
    imports.router,
]
