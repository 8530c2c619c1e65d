"""encrypt personal fields: ID numbers and phones at rest, keyed hashes for lookup

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:42:40
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from gridgov import crypto

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

residents = sa.table(
    "residents",
    sa.column("id", sa.String),
    sa.column("id_number", sa.String),
    sa.column("id_number_hash", sa.String),
    sa.column("phone", sa.String),
    sa.column("phone_hash", sa.String),
)


def _rewrite(convert: Callable[[str], str], *, with_hashes: bool) -> None:
    """Rewrite every stored ID number and phone with ``convert`` (in batches)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(residents.c.id, residents.c.id_number, residents.c.phone).where(
            sa.or_(residents.c.id_number.is_not(None), residents.c.phone.is_not(None))
        )
    ).all()
    for start in range(0, len(rows), 1000):
        for resident_id, id_number, phone in rows[start : start + 1000]:
            values = {
                "id_number": None if id_number is None else convert(id_number),
                "phone": None if phone is None else convert(phone),
            }
            if with_hashes:
                values["id_number_hash"] = id_number and crypto.keyed_hash(id_number)
                values["phone_hash"] = phone and crypto.keyed_hash(phone)
            connection.execute(
                residents.update().where(residents.c.id == resident_id).values(**values)
            )


def upgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "id_number", existing_type=sa.String(length=18), type_=sa.String(length=120)
        )
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=11), type_=sa.String(length=120)
        )
        batch_op.drop_constraint(batch_op.f("uq_residents_id_number"), type_="unique")
    _rewrite(crypto.encrypt, with_hashes=True)
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_phone_hash"), ["phone_hash"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_residents_id_number_hash"), ["id_number_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_residents_id_number_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_residents_phone_hash"))
    _rewrite(crypto.decrypt, with_hashes=False)
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.alter_column(
            "phone", existing_type=sa.String(length=120), type_=sa.String(length=11)
        )
        batch_op.alter_column(
            "id_number", existing_type=sa.String(length=120), type_=sa.String(length=18)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_residents_id_number"), ["id_number"])
        batch_op.drop_column("phone_hash")
        batch_op.drop_column("id_number_hash")
