"""Searching messages within the caller's groups (2-character Chinese queries included).

The index is ``message_search``, created by migration 0014 per dialect (outside the ORM's
metadata: alembic's comparison skips it): on SQLite an FTS5 table over the space-joined
tokens of :mod:`gridgov.groups.search_tokens`; on PostgreSQL a ``tsvector`` of the same
tokens (with positions, for phrase queries) under a GIN index. Each row also carries a token
for its group, so one index lookup intersects "this phrase" with "one of my groups"; the
query still filters on the message's group column, the authority. Recalled messages are
forgotten by the index when they are recalled.

Messages are indexed as they are flushed (a session listener installed by
``database/hooks.py``), whichever action wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.errors import ValidationFailed
from gridgov.groups.models import GroupMember, GroupMessage
from gridgov.groups.search_tokens import (
    QueryToken,
    fts5_match,
    group_token,
    index_text,
    query_tokens,
    tsquery_literal,
    tsvector_literal,
)
from gridgov.i18n import Message

MAX_QUERY_LENGTH = 100
# Up to this many groups, the index intersects the phrase with the groups' tokens (a
# villager's 3 groups: ~1 ms); past it, an OR of hundreds of tokens costs more than it saves
# (measured: 300 groups, 560 ms against 64 ms), so the group column filters alone.
GROUP_TOKEN_LIMIT = 30

_INSERT = {
    "sqlite": text(
        "INSERT INTO message_search (tokens, message_id, group_id) VALUES (:tokens, :id, :group)"
    ),
    "postgresql": text(
        "INSERT INTO message_search (message_id, group_id, tokens) "
        "VALUES (:id, :group, CAST(:tokens AS tsvector)) ON CONFLICT (message_id) DO NOTHING"
    ),
}


def index_rows(dialect: str, messages: Sequence[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Parameters of :data:`_INSERT` for ``(message id, group id, text)`` triples."""
    if dialect == "postgresql":
        return [
            {"id": id_, "group": group, "tokens": tsvector_literal(body, group)}
            for id_, group, body in messages
        ]
    return [
        {"id": id_, "group": group, "tokens": f"{index_text(body)} {group_token(group)}"}
        for id_, group, body in messages
    ]


def insert_statement(dialect: str) -> Any:
    return _INSERT["postgresql" if dialect == "postgresql" else "sqlite"]


def _index_new_messages(session: Session, _context: object) -> None:
    """After a flush: index the new messages with text, drop the recalled ones."""
    fresh, recalled = [], []
    for item in session.new:
        if isinstance(item, GroupMessage) and item.text:
            fresh.append((item.id, item.group_id, item.text))
    for item in session.dirty:
        if (
            isinstance(item, GroupMessage)
            and item.recalled_at is not None
            and inspect(item).attrs.recalled_at.history.added
        ):
            recalled.append({"id": item.id})
    if not fresh and not recalled:
        return
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if fresh:
        connection.execute(insert_statement(dialect), index_rows(dialect, fresh))
    if recalled:
        connection.execute(text("DELETE FROM message_search WHERE message_id = :id"), recalled)


def install_search_index() -> None:
    """Index every message with text as it is flushed, and forget it when it is recalled
    (installing twice installs once)."""
    if not event.contains(Session, "after_flush", _index_new_messages):
        event.listen(Session, "after_flush", _index_new_messages)


@dataclass(frozen=True)
class SearchPage:
    messages: list[GroupMessage]
    total: int


def _clean_query(query: str) -> list[QueryToken]:
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed.field(
            "q", Message("at most %(limit)s characters", limit=MAX_QUERY_LENGTH)
        )
    tokens = query_tokens(query)
    if not tokens:
        raise ValidationFailed.field("q", Message("give at least one letter, digit or character"))
    return tokens


def member_group_ids(session: Session, user_id: str) -> list[str]:
    """The groups the user belongs to now (not those they only moderate)."""
    return list(
        session.scalars(
            select(GroupMember.group_id).where(
                GroupMember.user_id == user_id,
                GroupMember.left_at.is_(None),
                GroupMember.removed.is_(False),
            )
        )
    )


def _match(dialect: str, tokens: list[QueryToken], group_ids: list[str]) -> tuple[str, dict]:
    """The WHERE clause over message_search and its parameters: the phrase (and one of the
    groups) by the index, then the group column, the authority."""
    filed = group_ids if len(group_ids) <= GROUP_TOKEN_LIMIT else []
    if dialect == "postgresql":
        where = "tokens @@ CAST(:query AS tsquery)"
        query = tsquery_literal(tokens, filed)
    else:
        where = "message_search MATCH :query"
        query = fts5_match(tokens, filed)
    marks = ", ".join(f":g{index}" for index in range(len(group_ids)))
    params = {"query": query, **{f"g{index}": gid for index, gid in enumerate(group_ids)}}
    return f"{where} AND group_id IN ({marks})", params


def search_messages(
    session: Session, principal: Principal, query: str, *, limit: int, offset: int
) -> SearchPage:
    """Messages of the caller's groups containing ``query``, newest first (ids are
    time-ordered). Recalled messages left the index when they were recalled."""
    tokens = _clean_query(query)
    group_ids = member_group_ids(session, principal.user_id)
    if not group_ids:
        return SearchPage([], 0)
    where, params = _match(session.get_bind().dialect.name, tokens, group_ids)
    total = session.scalar(text(f"SELECT count(*) FROM message_search WHERE {where}"), params)
    page_ids = session.scalars(
        text(
            f"SELECT message_id FROM message_search WHERE {where} "
            "ORDER BY message_id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    messages = session.scalars(
        select(GroupMessage)
        .where(GroupMessage.id.in_(page_ids), GroupMessage.recalled_at.is_(None))
        .order_by(GroupMessage.id.desc())
    ).all()
    return SearchPage(list(messages), int(total or 0))
