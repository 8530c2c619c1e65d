"""API shapes of accounts. A password or token hash never leaves the server."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from gridgov import clock
from gridgov.accounts.models import RoleAssignment, User
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordResetOut(BaseModel):
    user_id: str
    username: str
    temporary_password: str = Field(description="shown once; must be changed at next login")
    must_change_password: bool = True


class RoleAssignmentOut(BaseModel):
    id: str
    role: str
    territory_code: str | None
    start_date: dt.date
    end_date: dt.date | None

    @classmethod
    def of(cls, row: RoleAssignment) -> RoleAssignmentOut:
        return cls(
            id=row.id,
            role=row.role,
            territory_code=row.territory_code,
            start_date=row.start_date,
            end_date=row.end_date,
        )


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    resident_id: str | None
    has_phone: bool
    is_active: bool
    must_change_password: bool
    locked_until: LocalTimestamp | None
    created_at: LocalTimestamp
    created_by: str
    roles: list[RoleAssignmentOut]

    @classmethod
    def of(cls, user: User, roles: list[RoleAssignment]) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            resident_id=user.resident_id,
            has_phone=user.phone_hash is not None,
            is_active=user.is_active,
            must_change_password=user.must_change_password,
            locked_until=_future(user.locked_until),
            created_at=user.created_at,
            created_by=user.created_by,
            roles=[RoleAssignmentOut.of(row) for row in roles],
        )


def _future(moment: dt.datetime | None) -> dt.datetime | None:
    """A lockout that has run out is no lockout."""
    return moment if moment is not None and moment > clock.now() else None
