"""key_checks: a check value for each key id that encrypts personal fields and one for the
hash secret, so that a process on other keys refuses to start (gridgov.database.keys)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("check_value", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('encryption', 'hash')", name=op.f("ck_key_checks_kind_known")),
        sa.PrimaryKeyConstraint("kind", "key_id", name=op.f("pk_key_checks")),
    )


def downgrade() -> None:
    op.drop_table("key_checks")
