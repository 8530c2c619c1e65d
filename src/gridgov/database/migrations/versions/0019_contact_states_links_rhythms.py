"""contact_states: one row per household assigned or visited, with its node, whether it is
active, its member and the link's start, its rhythm's days and its next due day (indexed
with its node), filled from the registry, the links and the ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Set-based, as contacts.state.fill_statements (frozen here: the migration must not change).
PRESENT = "'living_here', 'working_away', 'incoming_migrant'"
FILL = f"""
INSERT INTO contact_states (household_id, last_visit_on, territory_code, active,
    member_id, started_on, rhythm_days, next_due_on)
SELECT h.id, v.last_on, h.territory_code, h.status = 'active', a.member_id, a.started_on,
       COALESCE(r.days, 90), NULL
FROM households AS h
LEFT JOIN (SELECT household_id, max(visited_on) AS last_on FROM visit_households
           GROUP BY household_id) AS v ON v.household_id = h.id
LEFT JOIN contact_assignments AS a ON a.household_id = h.id AND a.ended_at IS NULL
LEFT JOIN (SELECT res.household_id, min(COALESCE(cr.days, 30)) AS days
           FROM residents AS res
           JOIN resident_key_groups AS k ON k.resident_id = res.id
           LEFT JOIN contact_rhythms AS cr ON cr.key_group_code = k.key_group_code
           WHERE res.residence_status IN ({PRESENT})
           GROUP BY res.household_id) AS r ON r.household_id = h.id
WHERE v.last_on IS NOT NULL OR a.member_id IS NOT NULL
"""
DUE = {
    "postgresql": "COALESCE(last_visit_on, started_on) + rhythm_days",
    "sqlite": "date(COALESCE(last_visit_on, started_on), '+' || rhythm_days || ' days')",
}
OLD_FILL = """
INSERT INTO contact_states (household_id, last_visit_on)
SELECT household_id, max(visited_on) FROM visit_households GROUP BY household_id
"""


def _code() -> sa.types.TypeEngine:
    return sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql")


def upgrade() -> None:
    # The table is derived data: rebuilt whole (last_visit_on becomes nullable).
    op.drop_table("contact_states")
    op.create_table(
        "contact_states",
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("territory_code", _code(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("rhythm_days", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_contact_states_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_contact_states_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_contact_states")),
    )
    op.create_index(
        "ix_contact_states_territory_code_next_due_on",
        "contact_states",
        ["territory_code", "next_due_on"],
        unique=False,
    )
    op.execute(FILL)
    due = DUE.get(op.get_bind().dialect.name, DUE["sqlite"])
    op.execute(
        f"UPDATE contact_states SET next_due_on = {due} WHERE active AND member_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_contact_states_territory_code_next_due_on", table_name="contact_states")
    op.drop_table("contact_states")
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
    op.execute(OLD_FILL)
