"""events: the realtime event log (stream, kind, payload; a position set at commit, dense
and in commit order); event_counter: the one row whose lock orders publishing commits

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("position", POSITION, nullable=True),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_position", ["position"], unique=True)
        batch_op.create_index("ix_events_stream_position", ["stream", "position"], unique=False)
    counter = op.create_table(
        "event_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_position", POSITION, nullable=False),
        sa.Column("pruned_upto", POSITION, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_event_counter_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "last_position": 0, "pruned_upto": 0}])


def downgrade() -> None:
    op.drop_table("event_counter")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_stream_position")
        batch_op.drop_index("ix_events_position")
    op.drop_table("events")
