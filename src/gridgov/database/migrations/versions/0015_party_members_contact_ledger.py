"""party members, contact assignments, visits of the contact ledger (households, members,
versions, cases raised), must-visit moments, contact rhythms per key group and the
weekly digests sent

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-07 04:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("suggestions", sa.Integer(), nullable=False),
        sa.Column("other_matters", sa.Integer(), nullable=False),
        sa.Column("matters_text", sa.Text(), nullable=False),
        sa.Column("hazards", sa.JSON(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "method IN ('home_visit', 'phone', 'group_message', 'meeting')",
            name=op.f("ck_visits_method_known"),
        ),
        sa.CheckConstraint(
            "disputes >= 0 AND requests >= 0 AND suggestions >= 0 AND other_matters >= 0",
            name=op.f("ck_visits_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_territory_code_visited_on", ["territory_code", "visited_on"], unique=False
        )

    op.create_table(
        "contact_rhythms",
        sa.Column("key_group_code", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_group_code"],
            ["key_groups.code"],
            name=op.f("fk_contact_rhythms_key_group_code_key_groups"),
        ),
        sa.PrimaryKeyConstraint("key_group_code", name=op.f("pk_contact_rhythms")),
    )
    op.create_table(
        "visit_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_versions_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_versions")),
    )
    with op.batch_alter_table("visit_versions", schema=None) as batch_op:
        batch_op.create_index("ix_visit_versions_visit_id", ["visit_id"], unique=False)

    op.create_table(
        "must_visits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("met_visit_id", sa.String(length=32), nullable=True),
        sa.Column("met_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "reason IN ('death', 'birth', 'dispute_followup', 'key_group', 'wedding', 'funeral', 'hospital', 'hardship', 'other')",
            name=op.f("ck_must_visits_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_must_visits_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["met_visit_id"], ["visits.id"], name=op.f("fk_must_visits_met_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_must_visits")),
    )
    with op.batch_alter_table("must_visits", schema=None) as batch_op:
        batch_op.create_index("ix_must_visits_household_id", ["household_id"], unique=False)
        batch_op.create_index(
            "ix_must_visits_territory_code_due_on", ["territory_code", "due_on"], unique=False
        )

    op.create_table(
        "visit_households",
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("confirmed_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)",
            name=op.f("ck_visit_households_rating_range"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_visit_households_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_households_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("visit_id", "household_id", name=op.f("pk_visit_households")),
    )
    with op.batch_alter_table("visit_households", schema=None) as batch_op:
        batch_op.create_index("ix_visit_households_household_id", ["household_id"], unique=False)
        batch_op.create_index(
            "ix_visit_households_territory_household_day",
            ["territory_code", "household_id", "visited_on"],
            unique=False,
        )

    op.create_table(
        "party_members",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("resident_id", sa.String(length=32), nullable=False),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("branch", sa.String(length=64), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_party_members_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_party_members_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_members")),
    )
    with op.batch_alter_table("party_members", schema=None) as batch_op:
        batch_op.create_index("ix_party_members_territory_code", ["territory_code"], unique=False)
        batch_op.create_index(
            "uq_party_members_current_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )

    op.create_table(
        "contact_assignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("started_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_contact_assignments_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_contact_assignments_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_assignments")),
    )
    with op.batch_alter_table("contact_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_contact_assignments_member_id", ["member_id"], unique=False)
        batch_op.create_index(
            "uq_contact_assignments_current_household",
            ["household_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "contact_digests",
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("sent_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_contact_digests_member_id_party_members"),
        ),
        sa.PrimaryKeyConstraint("member_id", "week", name=op.f("pk_contact_digests")),
    )
    op.create_table(
        "visit_members",
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["party_members.id"],
            name=op.f("fk_visit_members_member_id_party_members"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_members_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("visit_id", "member_id", name=op.f("pk_visit_members")),
    )
    with op.batch_alter_table("visit_members", schema=None) as batch_op:
        batch_op.create_index("ix_visit_members_member_id", ["member_id"], unique=False)

    op.create_table(
        "visit_cases",
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_visit_cases_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_cases_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("visit_id", "case_id", name=op.f("pk_visit_cases")),
    )
    with op.batch_alter_table("visit_cases", schema=None) as batch_op:
        batch_op.create_index("ix_visit_cases_case_id", ["case_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("visit_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_cases_case_id")

    op.drop_table("visit_cases")
    with op.batch_alter_table("visit_members", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_members_member_id")

    op.drop_table("visit_members")
    op.drop_table("contact_digests")
    with op.batch_alter_table("contact_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contact_assignments_current_household",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_contact_assignments_member_id")

    op.drop_table("contact_assignments")
    with op.batch_alter_table("party_members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_party_members_current_resident",
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        )
        batch_op.drop_index("ix_party_members_territory_code")

    op.drop_table("party_members")
    with op.batch_alter_table("visit_households", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_households_territory_household_day")
        batch_op.drop_index("ix_visit_households_household_id")

    op.drop_table("visit_households")
    with op.batch_alter_table("must_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_must_visits_territory_code_due_on")
        batch_op.drop_index("ix_must_visits_household_id")

    op.drop_table("must_visits")
    with op.batch_alter_table("visit_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_versions_visit_id")

    op.drop_table("visit_versions")
    op.drop_table("contact_rhythms")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_territory_code_visited_on")

    op.drop_table("visits")
