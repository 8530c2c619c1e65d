"""groups of retired nodes archived: a retired village, grid or unit keeps its group's
history, read-only (groups.status 'archived'; the column exists since 0011);
message_cases.posted_event_seq: the last case event whose status the group was told (a
status change delivered twice is told once)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "message_cases",
        sa.Column("posted_event_seq", sa.Integer(), server_default="0", nullable=False),
    )
    # What the links made before were told already: nothing of their past is told again.
    op.execute(
        "UPDATE message_cases SET posted_event_seq = COALESCE((SELECT MAX(case_events.seq) "
        "FROM case_events WHERE case_events.case_id = message_cases.case_id), 0)"
    )
    # Nodes retired before the territory's status hook archived their groups.
    op.execute(
        "UPDATE groups SET status = 'archived' WHERE status = 'active' AND territory_code IN "
        "(SELECT code FROM territories WHERE status = 'retired')"
    )


def downgrade() -> None:
    # Before 0021 a group was only ever active.
    op.execute("UPDATE groups SET status = 'active' WHERE status = 'archived'")
    op.drop_column("message_cases", "posted_event_seq")
