"""contact_summaries (the monthly public summary posted once per village and month)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_summaries",
        sa.Column(
            "village_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("posted_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_contact_summaries_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("village_code", "month", name=op.f("pk_contact_summaries")),
    )


def downgrade() -> None:
    op.drop_table("contact_summaries")
