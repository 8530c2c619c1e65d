"""/api/v1/households."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["households"])
