"""accounts: users, bearer tokens, role assignments scoped to territory, login events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 22:44:49
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("phone_hash", sa.String(length=128), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("resident_id", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_users_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("phone_hash", name=op.f("uq_users_phone_hash")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_users_resident_id")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_user_id", ["user_id"], unique=False)

    op.create_table(
        "login_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("login", sa.String(length=128), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_events")),
    )
    with op.batch_alter_table("login_events", schema=None) as batch_op:
        batch_op.create_index("ix_login_events_ip_at", ["ip", "at"], unique=False)
        batch_op.create_index("ix_login_events_login_at", ["login", "at"], unique=False)
        batch_op.create_index("ix_login_events_user_id", ["user_id"], unique=False)

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('administrator', 'town_official', 'village_secretary', 'grid_leader', 'unit_leader', 'party_member', 'resident')",
            name=op.f("ck_role_assignments_role_known"),
        ),
        sa.CheckConstraint(
            "territory_code IS NOT NULL OR role = 'administrator'",
            name=op.f("ck_role_assignments_territory_needed"),
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_role_assignments_territory_code_territories"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
    )
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_role_assignments_territory_code", ["territory_code"], unique=False
        )
        batch_op.create_index("ix_role_assignments_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_role_assignments_user_id")
        batch_op.drop_index("ix_role_assignments_territory_code")

    op.drop_table("role_assignments")
    with op.batch_alter_table("login_events", schema=None) as batch_op:
        batch_op.drop_index("ix_login_events_user_id")
        batch_op.drop_index("ix_login_events_login_at")
        batch_op.drop_index("ix_login_events_ip_at")

    op.drop_table("login_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_user_id")

    op.drop_table("api_tokens")
    op.drop_table("users")
