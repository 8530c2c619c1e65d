"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import (
    assets,
    bridges,
    cases,
    contacts,
    dashboard,
    group_extras,
    group_moderation,
    groups,
    home,
    households,
    imports,
    notices,
    partition_plans,
    password,
    report,
    residents,
    roll_calls,
    settings,
    shelters,
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
    # Group pages (chat, notices, moderation, bridges for administrators).
    groups.router,
    group_moderation.router,
    group_extras.router,
    notices.router,
    bridges.router,
    # Party members' contact pages (households, visits, coverage, assignments).
    contacts.router,
    visits.router,
    # Emergency roll-call pages (start, live counts, one-tap confirmation, shelters).
    roll_calls.router,
    shelters.router,
]
