"""Every router the app mounts under /api/v1, in one list."""

from fastapi import APIRouter

from gridgov.api.routers import (
    auth,
    calendar,
    case_categories,
    case_transitions,
    cases,
    exports,
    households,
    imports,
    notifications,
    partition_plans,
    posts,
    reports,
    residents,
    roll_calls,
    territories,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    calendar.router,
    notifications.router,
    case_transitions.router,
    cases.router,
    case_categories.router,
    users.router,
    territories.router,
    households.router,
    residents.router,
    posts.router,
    imports.router,
    exports.router,
    partition_plans.router,
    reports.router,
    roll_calls.router,
]
