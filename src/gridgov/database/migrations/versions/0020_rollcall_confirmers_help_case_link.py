"""Roll-call confirmers named for who they are (village_official, town_official, system)
instead of one "leader"; cases.roll_call_id (a help case's roll-call)

Rows confirmed from the CLI or the demo's simulation (``confirmed_by`` not ``user:...``)
become ``system``; a user's old ``leader`` stays ``leader`` (which official it was is not
known any more) and keeps its label.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("household", "unit_leader", "grid_leader", "contact", "leader")
NEW = (*OLD, "village_official", "town_official", "system")
CHECK = "ck_roll_call_confirmations_confirmer_known"


def _condition(values: tuple[str, ...]) -> str:
    return f"confirmer IN ({', '.join(repr(v) for v in values)})"


def _replace_check(values: tuple[str, ...]) -> None:
    # A CHECK constraint cannot be altered in place on SQLite: a batch rebuild of
    # roll_call_confirmations (no table points at it).
    with op.batch_alter_table("roll_call_confirmations") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), _condition(values))


def upgrade() -> None:
    _replace_check(NEW)
    for table in ("roll_call_confirmations", "roll_call_households"):
        op.execute(
            f"UPDATE {table} SET confirmer = 'system' "
            "WHERE confirmer = 'leader' AND confirmed_by NOT LIKE 'user:%'"
        )
    # Plain add_column and an index: no batch rebuild of cases on SQLite.
    op.add_column("cases", sa.Column("roll_call_id", sa.String(length=32), nullable=True))
    op.create_index("ix_cases_roll_call_id", "cases", ["roll_call_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_roll_call_id", table_name="cases")
    op.drop_column("cases", "roll_call_id")
    for table in ("roll_call_confirmations", "roll_call_households"):
        op.execute(
            f"UPDATE {table} SET confirmer = 'leader' "
            "WHERE confirmer IN ('village_official', 'town_official', 'system')"
        )
    _replace_check(OLD)
