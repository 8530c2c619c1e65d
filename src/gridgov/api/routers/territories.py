"""/api/v1/territories."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["territories"])
