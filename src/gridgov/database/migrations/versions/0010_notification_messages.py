"""notifications.title_message and body_message: a notification's texts as messages (id and
parameters), rendered in each reader's language; existing rows converted where their
English text reads back into one, the others keep their stored text

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The texts gridgov.cases.notices (and intake) wrote before 0010, as patterns -> message
# ids. Frozen here: the migration must read the rows of its time, whatever the code says now.
LEVELS = ("unit", "grid", "village", "town", "district")
_LEVEL = "(?P<{name}>unit|grid|village|town|district)"
TITLES = (
    ("Escalated to you: ", "Escalated to you: %(case)s"),
    ("Case escalated: ", "Case escalated: %(case)s"),
    ("Reopened: ", "Reopened: %(case)s"),
    ("Resolved, please rate: ", "Resolved, please rate: %(case)s"),
    ("Closed: ", "Closed: %(case)s"),
    ("Information supplied: ", "Information supplied: %(case)s"),
    ("Due soon: ", "Due soon: %(case)s"),
    ("Case returned: ", "Case returned: %(case)s"),
    ("Case rejected: ", "Case rejected: %(case)s"),
    ("Case withdrawn: ", "Case withdrawn: %(case)s"),
)
BODIES = (
    (
        re.compile(
            f"^from the {_LEVEL.format(name='from_level')} level to the "
            f"{_LEVEL.format(name='level')} level$"
        ),
        "from the %(from_level)s level to the %(level)s level",
    ),
    (
        re.compile(f"^from the {_LEVEL.format(name='level')} level \\(overdue\\)$"),
        "from the %(level)s level (overdue)",
    ),
    (
        re.compile(f"^from the {_LEVEL.format(name='level')} level: (?P<note>.+)$", re.S),
        "from the %(level)s level: %(note)s",
    ),
    (re.compile(f"^from the {_LEVEL.format(name='level')} level$"), "from the %(level)s level"),
    (re.compile("^the reporter was not satisfied$"), "the reporter was not satisfied"),
    (re.compile("^due at (?P<due>.+)$"), "due at %(due)s"),
    (
        re.compile(f"^new case at {_LEVEL.format(name='level')} level: (?P<case>.*)$", re.S),
        "new case at %(level)s level: %(case)s",
    ),
)
notifications = sa.table(
    "notifications",
    sa.column("id", sa.String),
    sa.column("title", sa.String),
    sa.column("body", sa.Text),
    sa.column("title_message", sa.JSON),
    sa.column("body_message", sa.JSON),
)


def title_message(title: str) -> dict[str, Any] | None:
    for prefix, msgid in TITLES:
        if title.startswith(prefix) and len(title) > len(prefix):
            return {"id": msgid, "params": {"case": title[len(prefix) :]}}
    return None


def body_message(body: str) -> dict[str, Any] | None:
    for pattern, msgid in BODIES:
        found = pattern.match(body)
        if found is None:
            continue
        params: dict[str, Any] = {}
        for name, value in found.groupdict().items():
            # A level is a word translated with the sentence (gridgov.cases.notices.LEVEL_WORDS).
            params[name] = (
                {"id": value, "params": {}} if value in LEVELS and "level" in name else value
            )
        return {"id": msgid, "params": params}
    return None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_message", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("body_message", sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(notifications.c.id, notifications.c.title, notifications.c.body)
    )
    for row_id, title, body in rows.all():
        title_json = title_message(title or "")
        body_json = body_message(body or "")
        if title_json is None and body_json is None:
            continue  # not a text we know: it keeps its stored text
        connection.execute(
            notifications.update()
            .where(notifications.c.id == row_id)
            .values(title_message=title_json, body_message=body_json)
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("body_message")
        batch_op.drop_column("title_message")
