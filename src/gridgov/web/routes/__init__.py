"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import (
    assets,
    home,
    households,
    imports,
    password,
    residents,
    settings,
    signin,
    territories,
)

ROUTERS: list[APIRouter] = [
    assets.router,
    signin.router,
    password.router,
    settings.router,
    home.router,
    # Territory and registry pages (tree, households, residents, import and export).
    territories.router,
    households.router,
    residents.router,
    imports.router,
]
