"""resident scope index: territory_code + residence_status (covering id on PostgreSQL)

Measured by bench/access.py: a town official's key-group count became an index-only scan
(3,175 -> 529 buffers) on a 1,000,000-resident county.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_territory_code")
        batch_op.create_index(
            "ix_residents_territory_code_status",
            ["territory_code", "residence_status"],
            unique=False,
            postgresql_include=["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_territory_code_status")
        batch_op.create_index("ix_residents_territory_code", ["territory_code"], unique=False)
