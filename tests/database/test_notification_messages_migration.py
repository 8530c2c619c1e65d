"""Migration 0010: notifications written before messages get theirs where their English
text reads back into one; the others keep their stored text (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import importlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridgov.database import migrate
from gridgov.notify.models import Notification

MIGRATION = importlib.import_module(
    "gridgov.database.migrations.versions.0010_notification_messages"
)
AT = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
OLD_ROWS = {
    # id: (title, body) as gridgov wrote them before 0010
    "n1": ("Escalated to you: 楼道灯坏了", "from the unit level (overdue)"),
    "n2": ("Case escalated: 噪音", "from the grid level to the village level"),
    "n3": ("Due soon: 噪音", "due at 2026-12-01T02:00:00+00:00"),
    "n4": ("路灯不亮", "new case at grid level: 路灯不亮"),
    "n5": ("Something else entirely", "a body no pattern knows"),
    "n6": ("Reopened: 漏水", "the reporter was not satisfied"),
    "n7": ("Escalated to you: 漏水", "from the grid level: 超出本级能力"),
}


def _old_rows(connection: sa.Connection) -> None:
    meta = sa.MetaData()
    users = sa.Table("users", meta, autoload_with=connection)
    outbox = sa.Table("outbox", meta, autoload_with=connection)
    notifications = sa.Table("notifications", meta, autoload_with=connection)
    connection.execute(
        users.insert().values(
            id="u1",
            username="old.reader",
            display_name="",
            password_hash="x",
            must_change_password=False,
            is_active=True,
            failed_login_count=0,
            created_at=AT,
            updated_at=AT,
            created_by="test",
        )
    )
    connection.execute(
        outbox.insert().values(
            id="o1", kind="case_updated", recipients=["u1"], payload={}, created_at=AT, attempts=1
        )
    )
    for row_id, (title, body) in OLD_ROWS.items():
        connection.execute(
            notifications.insert().values(
                id=row_id,
                user_id="u1",
                outbox_id="o1",
                kind="case_updated",
                title=title,
                body=body,
                created_at=AT,
            )
        )


def test_old_rows_are_converted_where_their_text_reads_back(fresh_database) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        _old_rows(connection)
    migrate.upgrade(engine)
    with Session(engine) as session:
        rows = {row.id: row for row in session.scalars(sa.select(Notification))}
    shown = {row_id: (row.title_in("zh-CN"), row.body_in("zh-CN")) for row_id, row in rows.items()}
    assert shown == {
        "n1": ("上报给您：楼道灯坏了", "由单元一级上报（已超时）"),
        "n2": ("事件已上报：噪音", "已从网格一级上报到村一级"),
        "n3": ("即将到期：噪音", "截止时间 2026-12-01T02:00:00+00:00"),
        "n4": ("路灯不亮", "网格一级有新事件：路灯不亮"),
        "n5": ("Something else entirely", "a body no pattern knows"),
        "n6": ("已重新办理：漏水", "上报人不满意"),
        "n7": ("上报给您：漏水", "由网格一级上报：超出本级能力"),
    }
    assert rows["n5"].title_message is None and rows["n5"].body_message is None
    # English is what was stored, for every row.
    assert {row_id: (row.title_in("en"), row.body_in("en")) for row_id, row in rows.items()} == (
        OLD_ROWS
    )
    migrate.downgrade(engine, "0009")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("notifications")}
    assert "title_message" not in columns


def test_the_patterns_refuse_what_they_do_not_know() -> None:
    assert MIGRATION.title_message("Escalated to you: ") is None
    assert MIGRATION.body_message("from the moon level") is None
    assert MIGRATION.body_message("from the grid level to the moon level") is None
