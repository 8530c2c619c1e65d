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
down_revision: str | None = "0012"
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

    if op.get_bind().dialect.name == "sqlite":
        _add_columns_sqlite()
    else:
        _add_columns()
    op.create_index(
        "ix_outbox_dead",
        "outbox",
        ["dead_at"],
        unique=False,
        sqlite_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
        postgresql_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
    )
    op.create_index("ix_users_digest_due_at", "users", ["digest_due_at"], unique=False)


CHANNEL_CHECK = "channel IN ('inbox', 'wecom', 'email', 'sms')"
RHYTHM_CHECK = "digest_rhythm IN ('off', 'daily', 'weekly')"
TIMESTAMP = "DATETIME"


def _add_columns_sqlite() -> None:
    """Plain ADD COLUMNs: a batch would rebuild ``outbox`` and ``users`` (DROP TABLE), which
    SQLite refuses while rows of other tables (notifications, tokens) point at them."""
    for statement in (
        "ALTER TABLE outbox ADD COLUMN channel VARCHAR(16) DEFAULT 'inbox' NOT NULL "
        f"CONSTRAINT ck_outbox_channel_known CHECK ({CHANNEL_CHECK})",
        "ALTER TABLE outbox ADD COLUMN route_id VARCHAR(32)",
        f"ALTER TABLE outbox ADD COLUMN next_attempt_at {TIMESTAMP}",
        f"ALTER TABLE outbox ADD COLUMN dead_at {TIMESTAMP}",
        f"ALTER TABLE outbox ADD COLUMN discarded_at {TIMESTAMP}",
        "ALTER TABLE outbox ADD COLUMN discarded_by VARCHAR(64)",
        "ALTER TABLE users ADD COLUMN email VARCHAR(256)",
        "ALTER TABLE users ADD COLUMN digest_rhythm VARCHAR(8) DEFAULT 'off' NOT NULL "
        f"CONSTRAINT ck_users_digest_rhythm_known CHECK ({RHYTHM_CHECK})",
        "ALTER TABLE users ADD COLUMN sms_enabled BOOLEAN DEFAULT 1 NOT NULL",
        f"ALTER TABLE users ADD COLUMN digest_due_at {TIMESTAMP}",
        f"ALTER TABLE users ADD COLUMN digest_since {TIMESTAMP}",
    ):
        op.execute(statement)


def _add_columns() -> None:
    op.add_column(
        "outbox",
        sa.Column("channel", sa.String(length=16), server_default="inbox", nullable=False),
    )
    op.add_column("outbox", sa.Column("route_id", sa.String(length=32), nullable=True))
    for name in ("next_attempt_at", "dead_at", "discarded_at"):
        op.add_column("outbox", sa.Column(name, UTC(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("discarded_by", sa.String(length=64), nullable=True))
    op.create_check_constraint(op.f("ck_outbox_channel_known"), "outbox", CHANNEL_CHECK)
    op.add_column(
        "users", sa.Column("email", gridgov.storage.base.EncryptedString(length=256), nullable=True)
    )
    op.add_column(
        "users",
        sa.Column("digest_rhythm", sa.String(length=8), server_default="off", nullable=False),
    )
    op.add_column(
        "users", sa.Column("sms_enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    for name in ("digest_due_at", "digest_since"):
        op.add_column("users", sa.Column(name, UTC(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_users_digest_rhythm_known"), "users", RHYTHM_CHECK)


OUTBOX_COLUMNS = (
    "discarded_by",
    "discarded_at",
    "dead_at",
    "next_attempt_at",
    "route_id",
    "channel",
)
USER_COLUMNS = ("digest_since", "digest_due_at", "sms_enabled", "digest_rhythm", "email")


def downgrade() -> None:
    """Plain DROP COLUMNs (SQLite too: each CHECK belongs to its own column there), so
    neither table is rebuilt."""
    op.drop_index("ix_users_digest_due_at", table_name="users")
    op.drop_index(
        "ix_outbox_dead",
        table_name="outbox",
        sqlite_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
        postgresql_where=sa.text("dead_at IS NOT NULL AND discarded_at IS NULL"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint(op.f("ck_users_digest_rhythm_known"), "users", type_="check")
        op.drop_constraint(op.f("ck_outbox_channel_known"), "outbox", type_="check")
    for table_name, columns in (("users", USER_COLUMNS), ("outbox", OUTBOX_COLUMNS)):
        for name in columns:
            if sqlite:
                op.execute(f"ALTER TABLE {table_name} DROP COLUMN {name}")
            else:
                op.drop_column(table_name, name)
    with op.batch_alter_table("bridge_routes", schema=None) as batch_op:
        batch_op.drop_index("ix_bridge_routes_group_id")
    op.drop_table("bridge_routes")
