"""contact_summaries (the monthly public summary posted once per village and month);
visits.idempotency_owner and idempotency_key (POST /api/v1/visits with Idempotency-Key)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0018"
down_revision: str | None = "0017"
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
    # Plain add_column and an index: no batch rebuild of visits on SQLite.
    op.add_column("visits", sa.Column("idempotency_owner", sa.String(length=64), nullable=True))
    op.add_column("visits", sa.Column("idempotency_key", sa.String(length=128), nullable=True))
    op.create_index(
        "uq_visits_idempotency_owner_key",
        "visits",
        ["idempotency_owner", "idempotency_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_visits_idempotency_owner_key", table_name="visits")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would DROP TABLE visits, which
    # SQLite refuses once visit rows are pointed at.
    op.drop_column("visits", "idempotency_key")
    op.drop_column("visits", "idempotency_owner")
    op.drop_table("contact_summaries")
