"""create territory registry posts

Revision ID: 0001
Revises:
Create Date: 2026-11-28 21:55:18.721204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_GROUPS = [
    ("elderly_alone", "独居老人", "Elderly living alone"),
    ("elderly_80_plus", "高龄老人", "Elderly aged 80 and over"),
    ("disabled", "残疾人", "Person with a disability"),
    ("low_income", "低保户", "Low-income (minimum living allowance)"),
    ("extreme_poverty", "特困人员", "Extreme-poverty support"),
    ("left_behind_child", "留守儿童", "Left-behind child"),
    ("left_behind_elderly", "留守老人", "Left-behind elderly"),
    ("veteran", "退役军人", "Veteran"),
    ("serious_illness", "大病患者", "Serious illness"),
    ("severe_mental_disorder", "严重精神障碍患者", "Severe mental disorder"),
    ("community_correction", "社区矫正对象", "Under community correction"),
    ("released_prisoner", "刑满释放人员", "Released prisoner"),
]


def upgrade() -> None:
    op.create_table(
        "key_groups",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_key_groups")),
    )
    op.bulk_insert(
        sa.table(
            "key_groups",
            sa.column("code", sa.String),
            sa.column("name_zh", sa.String),
            sa.column("name_en", sa.String),
            sa.column("active", sa.Boolean),
        ),
        [{"code": c, "name_zh": zh, "name_en": en, "active": True} for c, zh, en in KEY_GROUPS],
    )
    op.create_table(
        "territories",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column(
            "parent_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("boundary", sa.JSON(), nullable=True),
        sa.Column("center_lon", sa.Float(), nullable=True),
        sa.Column("center_lat", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('district', 'town', 'village', 'grid', 'unit')",
            name=op.f("ck_territories_level_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'retired')", name=op.f("ck_territories_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["territories.code"],
            name=op.f("fk_territories_parent_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
        sa.UniqueConstraint("code", name=op.f("uq_territories_code")),
    )
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.create_index("ix_territories_level_status", ["level", "status"], unique=False)
        batch_op.create_index("ix_territories_parent_code", ["parent_code"], unique=False)

    op.create_table(
        "households",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "village_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("household_no", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'moved_out', 'dissolved')",
            name=op.f("ck_households_status_known"),
        ),
        sa.CheckConstraint(
            "lat IS NULL OR (lat >= -90 AND lat <= 90)", name=op.f("ck_households_lat_range")
        ),
        sa.CheckConstraint(
            "lon IS NULL OR (lon >= -180 AND lon <= 180)", name=op.f("ck_households_lon_range")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_households_territory_code_territories"),
        ),
        sa.ForeignKeyConstraint(
            ["village_code"],
            ["territories.code"],
            name=op.f("fk_households_village_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint(
            "village_code", "household_no", name=op.f("uq_households_village_code_household_no")
        ),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index("ix_households_territory_code", ["territory_code"], unique=False)

    op.create_table(
        "residents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=11), nullable=True),
        sa.Column("relation_to_head", sa.String(length=32), nullable=False),
        sa.Column("residence_status", sa.String(length=20), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "residence_status IN ('living_here', 'working_away', 'incoming_migrant', 'moved_out', 'deceased')",
            name=op.f("ck_residents_residence_status_known"),
        ),
        sa.CheckConstraint("sex IN ('male', 'female')", name=op.f("ck_residents_sex_known")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_residents_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_residents_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("id_number", name=op.f("uq_residents_id_number")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index("ix_residents_household_id", ["household_id"], unique=False)
        batch_op.create_index("ix_residents_name", ["name"], unique=False)
        batch_op.create_index("ix_residents_territory_code", ["territory_code"], unique=False)

    op.create_table(
        "posts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("resident_id", sa.String(length=32), nullable=False),
        sa.Column("post_type", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_exclusive", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_posts_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_posts_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_resident_id", ["resident_id"], unique=False)
        batch_op.create_index("ix_posts_territory_code", ["territory_code"], unique=False)
        batch_op.create_index(
            "uq_posts_current_exclusive",
            ["post_type", "territory_code"],
            unique=True,
            sqlite_where=sa.text("end_date IS NULL AND is_exclusive"),
            postgresql_where=sa.text("end_date IS NULL AND is_exclusive"),
        )

    op.create_table(
        "registry_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=True),
        sa.Column("resident_id", sa.String(length=32), nullable=True),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('registered', 'moved_in', 'moved_out', 'birth', 'death', 'household_split', 'unit_changed', 'status_changed', 'updated')",
            name=op.f("ck_registry_events_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_registry_events_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_registry_events_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_events")),
    )
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.create_index("ix_registry_events_household_id", ["household_id"], unique=False)
        batch_op.create_index("ix_registry_events_resident_id", ["resident_id"], unique=False)
        batch_op.create_index("ix_registry_events_territory_code", ["territory_code"], unique=False)

    op.create_table(
        "resident_key_groups",
        sa.Column("resident_id", sa.String(length=32), nullable=False),
        sa.Column("key_group_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_group_code"],
            ["key_groups.code"],
            name=op.f("fk_resident_key_groups_key_group_code_key_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_resident_key_groups_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint(
            "resident_id", "key_group_code", name=op.f("pk_resident_key_groups")
        ),
    )
    with op.batch_alter_table("resident_key_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_key_groups_key_group_code", ["key_group_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resident_key_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_key_groups_key_group_code")

    op.drop_table("resident_key_groups")
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_events_territory_code")
        batch_op.drop_index("ix_registry_events_resident_id")
        batch_op.drop_index("ix_registry_events_household_id")

    op.drop_table("registry_events")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_posts_current_exclusive",
            sqlite_where=sa.text("end_date IS NULL AND is_exclusive"),
            postgresql_where=sa.text("end_date IS NULL AND is_exclusive"),
        )
        batch_op.drop_index("ix_posts_territory_code")
        batch_op.drop_index("ix_posts_resident_id")

    op.drop_table("posts")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_territory_code")
        batch_op.drop_index("ix_residents_name")
        batch_op.drop_index("ix_residents_household_id")

    op.drop_table("residents")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index("ix_households_territory_code")

    op.drop_table("households")
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_index("ix_territories_parent_code")
        batch_op.drop_index("ix_territories_level_status")

    op.drop_table("territories")
    op.drop_table("key_groups")
