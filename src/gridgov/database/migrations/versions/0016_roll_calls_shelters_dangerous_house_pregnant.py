"""roll_calls, roll_call_households, roll_call_counts, roll_call_confirmations and shelters
(emergency roll-calls); households.dangerous_since and dangerous_reason (the dangerous-house
flag); the key group "pregnant"

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-07 04:32:31.724458
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KEY_GROUPS = sa.table(
    "key_groups",
    sa.column("code", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(
        KEY_GROUPS,
        [{"code": "pregnant", "name_zh": "孕产妇", "name_en": "Pregnant", "active": True}],
    )
    op.create_table(
        "roll_calls",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("deadline_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evacuation", sa.Boolean(), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("grid_after_minutes", sa.Integer(), nullable=False),
        sa.Column("village_after_minutes", sa.Integer(), nullable=False),
        sa.Column("help_minutes", sa.Integer(), nullable=False),
        sa.Column("household_count", sa.Integer(), nullable=False),
        sa.Column("started_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("all_clear_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("all_clear_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('typhoon', 'flood', 'fire', 'other')", name=op.f("ck_roll_calls_kind_known")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'all_clear', 'closed')", name=op.f("ck_roll_calls_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_roll_calls_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_calls")),
    )
    with op.batch_alter_table("roll_calls", schema=None) as batch_op:
        batch_op.create_index("ix_roll_calls_territory_code", ["territory_code"], unique=False)

    op.create_table(
        "roll_call_counts",
        sa.Column("roll_call_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("unconfirmed", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("needs_help", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("priority_unconfirmed", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roll_call_id"],
            ["roll_calls.id"],
            name=op.f("fk_roll_call_counts_roll_call_id_roll_calls"),
        ),
        sa.PrimaryKeyConstraint("roll_call_id", "territory_code", name=op.f("pk_roll_call_counts")),
    )
    op.create_table(
        "roll_call_households",
        sa.Column("roll_call_id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("household_no", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("priority_reasons", sa.String(length=255), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("confirmer", sa.String(length=16), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("moved_people", sa.Integer(), nullable=True),
        sa.Column("shelter_id", sa.String(length=32), nullable=True),
        sa.Column("help", sa.String(length=500), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column(
            "first_confirmed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("returned_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalate_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_to", sa.String(length=16), nullable=True),
        sa.Column("escalated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("help_case_id", sa.String(length=32), nullable=True),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "escalated_to IS NULL OR escalated_to IN ('grid', 'village')",
            name=op.f("ck_roll_call_households_escalated_to_known"),
        ),
        sa.CheckConstraint(
            "status IN ('unconfirmed', 'safe_at_home', 'moved_shelter', 'moved_relatives', 'moved_off_island', 'away', 'needs_help', 'returned')",
            name=op.f("ck_roll_call_households_status_known"),
        ),
        sa.PrimaryKeyConstraint(
            "roll_call_id", "household_id", name=op.f("pk_roll_call_households")
        ),
    )
    with op.batch_alter_table("roll_call_households", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roll_call_households_escalate_at",
            ["escalate_at"],
            unique=False,
            sqlite_where=sa.text("escalate_at IS NOT NULL"),
            postgresql_where=sa.text("escalate_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_roll_call_households_node",
            ["roll_call_id", "territory_code", "status"],
            unique=False,
        )

    op.create_table(
        "shelters",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "village_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("keeper_user_id", sa.String(length=32), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_shelters_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["keeper_user_id"], ["users.id"], name=op.f("fk_shelters_keeper_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["village_code"],
            ["territories.code"],
            name=op.f("fk_shelters_village_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelters")),
    )
    with op.batch_alter_table("shelters", schema=None) as batch_op:
        batch_op.create_index("ix_shelters_village_code", ["village_code"], unique=False)

    op.create_table(
        "roll_call_confirmations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("roll_call_id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("confirmer", sa.String(length=16), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("confirmed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("shelter_id", sa.String(length=32), nullable=True),
        sa.Column("help", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("stands", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "confirmer IN ('household', 'unit_leader', 'grid_leader', 'contact', 'leader')",
            name=op.f("ck_roll_call_confirmations_confirmer_known"),
        ),
        sa.CheckConstraint(
            "method IN ('in_person', 'phone', 'message')",
            name=op.f("ck_roll_call_confirmations_method_known"),
        ),
        sa.CheckConstraint(
            "status IN ('unconfirmed', 'safe_at_home', 'moved_shelter', 'moved_relatives', 'moved_off_island', 'away', 'needs_help', 'returned')",
            name=op.f("ck_roll_call_confirmations_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_roll_call_confirmations_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["roll_call_id"],
            ["roll_calls.id"],
            name=op.f("fk_roll_call_confirmations_roll_call_id_roll_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"],
            ["shelters.id"],
            name=op.f("fk_roll_call_confirmations_shelter_id_shelters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_call_confirmations")),
    )
    with op.batch_alter_table("roll_call_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roll_call_confirmations_household", ["roll_call_id", "household_id"], unique=False
        )

    # Plain ADD COLUMNs, not a batch: a batch rebuilds ``households`` (DROP TABLE), which
    # SQLite refuses while rows of other tables (residents, cases, ...) point at it.
    op.add_column("households", sa.Column("dangerous_since", sa.Date(), nullable=True))
    op.add_column("households", sa.Column("dangerous_reason", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.execute(KEY_GROUPS.delete().where(KEY_GROUPS.c.code == "pregnant"))
    op.drop_column("households", "dangerous_reason")
    op.drop_column("households", "dangerous_since")

    with op.batch_alter_table("roll_call_confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_roll_call_confirmations_household")

    op.drop_table("roll_call_confirmations")
    with op.batch_alter_table("shelters", schema=None) as batch_op:
        batch_op.drop_index("ix_shelters_village_code")

    op.drop_table("shelters")
    with op.batch_alter_table("roll_call_households", schema=None) as batch_op:
        batch_op.drop_index("ix_roll_call_households_node")
        batch_op.drop_index(
            "ix_roll_call_households_escalate_at",
            sqlite_where=sa.text("escalate_at IS NOT NULL"),
            postgresql_where=sa.text("escalate_at IS NOT NULL"),
        )

    op.drop_table("roll_call_households")
    op.drop_table("roll_call_counts")
    with op.batch_alter_table("roll_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_roll_calls_territory_code")

    op.drop_table("roll_calls")
