"""notices, notice_postings, notice_receipts, notice_told (notices with household receipts),
chain_lists, chain_entries (chain replies), message_cases (message to case),
group_attachments.duration_seconds (voice messages) and message_search (the bigram search
index of group messages: FTS5 on SQLite, a tsvector under GIN on PostgreSQL), filled from
the messages that exist

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridgov.storage.base
from gridgov.groups.search_tokens import group_token, index_text, tsvector_literal

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The search index lives outside the ORM's metadata (its shape differs per dialect):
# migrations/env.py leaves every table named message_search* out of alembic's comparison.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE message_search USING fts5("
    "tokens, message_id UNINDEXED, group_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')"
)
POSTGRESQL_SEARCH = (
    "CREATE TABLE message_search ("
    "message_id VARCHAR(32) PRIMARY KEY REFERENCES group_messages (id), "
    "group_id VARCHAR(32) NOT NULL, tokens TSVECTOR NOT NULL)",
    "CREATE INDEX ix_message_search_tokens ON message_search USING gin (tokens)",
)
BATCH = 2000


def _create_search_index() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for statement in POSTGRESQL_SEARCH if postgresql else (SQLITE_SEARCH,):
        op.execute(statement)
    if postgresql:
        insert = sa.text(
            "INSERT INTO message_search (message_id, group_id, tokens) "
            "VALUES (:id, :group, CAST(:tokens AS tsvector))"
        )
    else:
        insert = sa.text(
            "INSERT INTO message_search (tokens, message_id, group_id) VALUES (:tokens, :id, :group)"
        )
    rows = bind.execute(
        sa.text("SELECT id, group_id, text FROM group_messages WHERE text IS NOT NULL")
    )
    while batch := rows.fetchmany(BATCH):
        bind.execute(
            insert,
            [
                {
                    "id": id_,
                    "group": group,
                    "tokens": tsvector_literal(body, group)
                    if postgresql
                    else f"{index_text(body)} {group_token(group)}",
                }
                for id_, group, body in batch
            ],
        )


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=True),
        sa.Column(
            "territory_code",
            sa.String(length=17).with_variant(sa.String(length=17, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("ack_required", sa.Boolean(), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("author_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_reminded_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "priority IN ('normal', 'important', 'urgent')", name=op.f("ck_notices_priority_known")
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_notices_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_notices_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["territory_code"],
            ["territories.code"],
            name=op.f("fk_notices_territory_code_territories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_territory_code", ["territory_code"], unique=False)

    op.create_table(
        "notice_receipts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("notice_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=True),
        sa.Column("read_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "acknowledged_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_notice_receipts_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_receipts_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notice_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_receipts")),
        sa.UniqueConstraint(
            "notice_id", "user_id", name=op.f("uq_notice_receipts_notice_id_user_id")
        ),
    )
    with op.batch_alter_table("notice_receipts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_receipts_notice_household", ["notice_id", "household_id"], unique=False
        )

    op.create_table(
        "notice_told",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("notice_id", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("told_by_user_id", sa.String(length=32), nullable=False),
        sa.Column("told_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('in_person', 'phone')", name=op.f("ck_notice_told_channel_known")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_notice_told_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_told_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["told_by_user_id"], ["users.id"], name=op.f("fk_notice_told_told_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_told")),
        sa.UniqueConstraint(
            "notice_id", "household_id", name=op.f("uq_notice_told_notice_id_household_id")
        ),
    )
    op.create_table(
        "chain_lists",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("closes_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_chain_lists_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_chain_lists_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["group_messages.id"],
            name=op.f("fk_chain_lists_message_id_group_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_lists")),
        sa.UniqueConstraint("message_id", name=op.f("uq_chain_lists_message_id")),
    )
    op.create_table(
        "message_cases",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_message_cases_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_message_cases_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["group_messages.id"],
            name=op.f("fk_message_cases_message_id_group_messages"),
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_message_cases_case_id")),
    )
    op.create_table(
        "notice_postings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("notice_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_notice_postings_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["group_messages.id"],
            name=op.f("fk_notice_postings_message_id_group_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_postings_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_postings")),
        sa.UniqueConstraint("message_id", name=op.f("uq_notice_postings_message_id")),
        sa.UniqueConstraint(
            "notice_id", "group_id", name=op.f("uq_notice_postings_notice_id_group_id")
        ),
    )
    op.create_table(
        "chain_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chain_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gridgov.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id"], ["chain_lists.id"], name=op.f("fk_chain_entries_chain_id_chain_lists")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chain_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_entries")),
        sa.UniqueConstraint(
            "chain_id", "position", name=op.f("uq_chain_entries_chain_id_position")
        ),
        sa.UniqueConstraint("chain_id", "user_id", name=op.f("uq_chain_entries_chain_id_user_id")),
    )
    with op.batch_alter_table("group_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_seconds", sa.Float(), nullable=True))
    _create_search_index()


def downgrade() -> None:
    op.execute("DROP TABLE message_search")
    with op.batch_alter_table("group_attachments", schema=None) as batch_op:
        batch_op.drop_column("duration_seconds")

    op.drop_table("chain_entries")
    op.drop_table("notice_postings")
    op.drop_table("message_cases")
    op.drop_table("chain_lists")
    op.drop_table("notice_told")
    with op.batch_alter_table("notice_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_receipts_notice_household")

    op.drop_table("notice_receipts")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_territory_code")

    op.drop_table("notices")
