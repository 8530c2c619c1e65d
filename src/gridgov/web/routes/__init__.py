"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import (
    assets,
    cases,
    dashboard,
    home,
    partition_plans,
    password,
    report,
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
    cases.router,
    report.router,
]
