"""bridge_routes: a group's outbound routes (WeCom robots, webhook key encrypted); the
outbox gains a channel (inbox or a bridge), a route, a retry time and dead letters; users
gain an optional e-mail address (encrypted), a digest rhythm and timer, and an SMS opt-out

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = gridgov.storage.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "bridge_routes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("webhook_key", gridgov.storage.base.EncryptedString(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("send_times", sa.JSON(), nullable=False),
        sa.Column("throttled_until", UTC(timezone=True), nullable=True),
        sa.Column("throttle_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('wecom')", name=op.f("ck_bridge_routes_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bridge_routes")),
    )
    with op.batch_alter_table("bridge_routes", schema=None) as batch_op:
        batch_op.create_index("ix_bridge_routes_group_id", ["group_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), server_default="inbox", nullable=False)
        )
        batch_op.add_column(sa.Column("route_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dead_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("discarded_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("discarded_by", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_outbox_route_id_bridge_routes"), "bridge_routes", ["route_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_outbox_channel_known"), "channel IN ('inbox', 'wecom', 'email', 'sms')"
        )
        batch_op.create_index(
            "ix_outbox_dead",
            ["dead_at"],
            unique=False,
            sqlite_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
            postgresql_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", gridgov.storage.base.EncryptedString(length=256), nullable=True)
        )
        batch_op.add_column(
            sa.Column("digest_rhythm", sa.String(length=8), server_default="off", nullable=False)
        )
        batch_op.add_column(
            sa.Column("sms_enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("digest_due_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("digest_since", UTC(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_users_digest_rhythm_known"), "digest_rhythm IN ('off', 'daily', 'weekly')"
        )
        batch_op.create_index("ix_users_digest_due_at", ["digest_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_digest_due_at")
        batch_op.drop_constraint(op.f("ck_users_digest_rhythm_known"), type_="check")
        for name in ("digest_since", "digest_due_at", "sms_enabled", "digest_rhythm", "email"):
            batch_op.drop_column(name)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_dead",
            sqlite_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
            postgresql_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
        )
        batch_op.drop_constraint(op.f("ck_outbox_channel_known"), type_="check")
        batch_op.drop_constraint(op.f("fk_outbox_route_id_bridge_routes"), type_="foreignkey")
        for name in (
            "discarded_by",
            "discarded_at",
            "dead_at",
            "next_attempt_at",
            "route_id",
            "channel",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("bridge_routes", schema=None) as batch_op:
        batch_op.drop_index("ix_bridge_routes_group_id")
    op.drop_table("bridge_routes")
