"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import (
    assets,
    cases,
    contacts,
    dashboard,
    home,
    households,
    imports,
    partition_plans,
    password,
    report,
    residents,
    settings,
    signin,
    territories,
    territory_map,
    visits,
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
    # Territory and registry pages (tree, households, residents, import and export).
    territories.router,
    households.router,
    residents.router,
    imports.router,
    # Party members' contact pages (households, visits, coverage, assignments).
    contacts.router,
    visits.router,
]
