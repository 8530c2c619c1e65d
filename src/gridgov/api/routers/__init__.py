"""Every router the app mounts under /api/v1, in one list."""

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
