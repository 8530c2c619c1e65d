"""Users, their bearer tokens and page sessions, their role assignments and the log of every
login attempt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    or_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.access.roles import ROLES
from gridgov.i18n import DEFAULT_PAGE_LANGUAGE, LANGUAGES
from gridgov.storage.base import (
    Base,
    EncryptedString,
    UTCDateTime,
    code_string,
    created_at_column,
    id_column,
    updated_at_column,
)

# Text sizes of the pages, kept per user (the pages scale their type by these classes).
TEXT_SIZES = ("normal", "large", "extra_large")
# How often a user gets the e-mail digest of their notifications (gridgov.notify.bridges).
DIGEST_RHYTHMS = ("off", "daily", "weekly")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class User(Base):
    """Someone who logs in, by username or by phone (looked up through its keyed hash)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_one_of("language", LANGUAGES), name="language_known"),
        CheckConstraint(_one_of("text_size", TEXT_SIZES), name="text_size_known"),
        CheckConstraint(_one_of("digest_rhythm", DIGEST_RHYTHMS), name="digest_rhythm_known"),
        Index("ix_users_digest_due_at", "digest_due_at"),
    )

    id: Mapped[str] = id_column()
    # Lower-case, starts with a letter: never mistaken for a phone number at login.
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # gridgov.crypto.keyed_hash of the normalized mobile number; the number itself is not kept.
    phone_hash: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # A user linked to a resident also holds the roles of that resident's current posts.
    resident_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("residents.id"), unique=True, nullable=True
    )
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Wrong passwords in a row; reset by a success, by a lockout and by a reset.
    failed_login_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The pages' language and text size for this user (settings page).
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default=DEFAULT_PAGE_LANGUAGE, server_default="zh-CN"
    )
    text_size: Mapped[str] = mapped_column(
        String(16), nullable=False, default="normal", server_default="normal"
    )
    # Delivery preferences: an optional e-mail address (personal: encrypted at rest), the
    # rhythm of the e-mail digest, and whether urgent notices may come by SMS (to the phone
    # of the user's resident). ``digest_due_at`` is the digest's timer (null: none due) and
    # ``digest_since`` the start of what the next digest gathers.
    email: Mapped[str | None] = mapped_column(EncryptedString(256), nullable=True)
    digest_rhythm: Mapped[str] = mapped_column(
        String(8), nullable=False, default="off", server_default="off"
    )
    sms_enabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    digest_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digest_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored: a database leak yields no usable token."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebSession(Base):
    """A signed-in browser (the pages' cookie session). Only the SHA-256 of its token is
    stored, as for bearer tokens. It ends at ``expires_at``, after an idle spell with no
    request (``last_seen_at``), or when ``ended_at`` is set (sign-out, a password change)."""

    __tablename__ = "web_sessions"
    __audited__ = False  # bookkeeping of sign-ins (login_events records each sign-in)
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # signed_out, password_changed, password_reset, deactivated
    ended_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RoleAssignment(Base):
    """(user, role, territory code, start, end): current while ``end_date`` is null or later
    than today. An administrator's ``territory_code`` may be null: the whole platform."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role_known"),
        CheckConstraint(
            "territory_code IS NOT NULL OR role = 'administrator'", name="territory_needed"
        ),
        Index("ix_role_assignments_user_id", "user_id"),
        Index("ix_role_assignments_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    territory_code: Mapped[str | None] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=True
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()

    @classmethod
    def in_force(cls, on: dt.date) -> tuple[ColumnElement[bool], ...]:
        """SQL conditions: the assignment is in force on ``on`` (started, and not ended)."""
        return (cls.start_date <= on, or_(cls.end_date.is_(None), cls.end_date > on))


class LoginEvent(Base):
    """One login attempt, success or failure. The rate limit counts these rows, so it holds
    across restarts and across server processes."""

    __tablename__ = "login_events"
    __audited__ = False  # itself a log; the audit log would only repeat it
    __table_args__ = (
        Index("ix_login_events_login_at", "login", "at"),
        Index("ix_login_events_ip_at", "ip", "at"),
        Index("ix_login_events_user_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id"), nullable=True)
    # What was typed as the login name (normalized), never the password.
    login: Mapped[str] = mapped_column(String(128), nullable=False)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # ok, bad_credentials, locked, rate_limited, inactive; bad_current_password (a password
    # change's wrong current password: counted toward the lockout like a failed login)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
