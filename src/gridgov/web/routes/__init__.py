"""Every page router, in one list (``gridgov.web.install`` mounts them)."""

from fastapi import APIRouter

from gridgov.web.routes import assets, cases, home, password, report, settings, signin

ROUTERS: list[APIRouter] = [
    assets.router,
    signin.router,
    password.router,
    settings.router,
    home.router,
    cases.router,
    report.router,
]
