"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import (
    assets,
    dashboard,
    home,
    partition_plans,
    password,
    settings,
    signin,
    territory_map,
)

ROUTERS: list[APIRouter] = [
    assets.router,
    signin.router,
    password.router,
    settings.router,
    home.router,
    dashboard.router,
    territory_map.router,
    partition_plans.router,
]
