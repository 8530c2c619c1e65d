"""contact_states (each visited household's last visit day) and
visit_households.prev_visit_on (the household's visit day before each row's), filled from
the ledger; an index of visit rows by day

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Set-based, the same text on SQLite and PostgreSQL (contacts.state.FILL_* say the same).
FILL_PREVIOUS = """
UPDATE visit_households SET prev_visit_on = (
    SELECT max(earlier.visited_on) FROM visit_households AS earlier
    WHERE earlier.household_id = visit_households.household_id
      AND earlier.visited_on < visit_households.visited_on
)
"""
FILL_STATES = """
INSERT INTO contact_states (household_id, last_visit_on)
SELECT household_id, max(visited_on) FROM visit_households GROUP BY household_id
"""


def upgrade() -> None:
    op.create_table(
        "contact_states",
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_contact_states_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_contact_states")),
    )
    op.add_column("visit_households", sa.Column("prev_visit_on", sa.Date(), nullable=True))
    op.create_index(
        "ix_visit_households_visited_on", "visit_households", ["visited_on"], unique=False
    )
    op.execute(FILL_PREVIOUS)
    op.execute(FILL_STATES)


def downgrade() -> None:
    op.drop_index("ix_visit_households_visited_on", table_name="visit_households")
    with op.batch_alter_table("visit_households", schema=None) as batch_op:
        batch_op.drop_column("prev_visit_on")
    op.drop_table("contact_states")
