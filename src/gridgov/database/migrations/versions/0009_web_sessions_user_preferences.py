"""web_sessions: the pages' cookie sessions (hashed token, user, created, last seen,
expires, ended); users.language and users.text_size: the pages' settings of each user

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="zh-CN", nullable=False)
        )
        batch_op.add_column(
            sa.Column("text_size", sa.String(length=16), server_default="normal", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_users_language_known"), "language IN ('zh-CN', 'en')"
        )
        batch_op.create_check_constraint(
            op.f("ck_users_text_size_known"), "text_size IN ('normal', 'large', 'extra_large')"
        )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_user_id")
    op.drop_table("web_sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_text_size_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_users_language_known"), type_="check")
        batch_op.drop_column("text_size")
        batch_op.drop_column("language")
