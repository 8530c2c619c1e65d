"""cases: reporter_email (encrypted) and media_url, as Open311 clients send them; the
report index (territory_code, created_at, covering the measured columns on PostgreSQL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reporter_email", gridgov.storage.base.EncryptedString(length=256), nullable=True
            )
        )
        batch_op.add_column(sa.Column("media_url", sa.String(length=1024), nullable=True))
        batch_op.drop_index("ix_cases_territory_code")
        batch_op.create_index(
            "ix_cases_report",
            ["territory_code", "created_at"],
            unique=False,
            postgresql_include=[
                "state",
                "resolved_level",
                "overdue_ever",
                "reopens",
                "rating",
                "due_at",
                "closed_at",
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_report")
        batch_op.create_index("ix_cases_territory_code", ["territory_code"], unique=False)
        batch_op.drop_column("media_url")
        batch_op.drop_column("reporter_email")
