"""Chain replies (接龙): a message opens a list with a title, optional fields and a closing
time; each member adds their line or edits it; lines keep the order they were added in;
nothing is added after the closing time; the list exports as CSV or XLSX (through the
registry's spreadsheet writers: no cell is ever a live formula).

An addition takes the next position under a lock on the list's row (the same UPDATE ...
RETURNING as a message's seq), so concurrent additions are all kept, each with its own place.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.groups.actions import check_open, do_post_special_message
from gridgov.groups.chain_models import ChainEntry, ChainList
from gridgov.groups.models import Group
from gridgov.i18n import Message
from gridgov.registry.spreadsheets import WRITERS
from gridgov.validation import refuse_bad_texts

MAX_TITLE = 200
MAX_FIELDS = 10
MAX_FIELD_NAME = 40
MAX_VALUE = 200
MAX_OPEN_DAYS = 90
CHAIN_MARK = "【接龙】"


def _check_fields(fields: Sequence[str]) -> list[str]:
    refuse_bad_texts({f"fields[{index}]": name for index, name in enumerate(fields)})
    cleaned = [name.strip() for name in fields]
    if len(cleaned) > MAX_FIELDS:
        raise ValidationFailed.field(
            "fields", Message("at most %(limit)s fields", limit=MAX_FIELDS)
        )
    if any(not name or len(name) > MAX_FIELD_NAME for name in cleaned):
        raise ValidationFailed.field(
            "fields", Message("a field name has 1 to %(limit)s characters", limit=MAX_FIELD_NAME)
        )
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed.field("fields", Message("field names must differ"))
    return cleaned


def check_open_chain(
    session: Session,
    group: Group,
    *,
    title: str,
    fields: Sequence[str],
    closes_at: dt.datetime,
    author: User | None,
    actor: str,
) -> ChainList:
    """Open a list in ``group`` (the adapter checked the author may post there; no author:
    the platform's own list)."""
    refuse_bad_texts({"title": title})
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed.field("title", Message("1 to %(limit)s characters", limit=MAX_TITLE))
    cleaned = _check_fields(fields)
    now = clock.now()
    if closes_at.tzinfo is None:
        raise ValidationFailed.field("closes_at", Message("give a time zone offset"))
    if not now < closes_at <= now + dt.timedelta(days=MAX_OPEN_DAYS):
        raise ValidationFailed.field(
            "closes_at",
            Message("between now and %(days)s days from now", days=MAX_OPEN_DAYS),
        )
    text = f"{CHAIN_MARK}{title}"
    message = do_post_special_message(session, group, kind="chain", text=text, author=author)
    chain = ChainList(
        group_id=group.id,
        message_id=message.id,
        title=title,
        fields=cleaned,
        closes_at=closes_at,
        created_by_user_id=author.id if author is not None else None,
    )
    session.add(chain)
    session.flush()
    return chain


def _check_values(chain: ChainList, values: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(values) - set(chain.fields))
    if unknown:
        raise ValidationFailed.field(f"values.{unknown[0]}", Message("this list has no such field"))
    refuse_bad_texts({f"values.{name}": value for name, value in values.items()})
    for name, value in values.items():
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise ValidationFailed.field(
                f"values.{name}", Message("text of at most %(limit)s characters", limit=MAX_VALUE)
            )
    return {name: values.get(name, "").strip() for name in chain.fields}


def _next_position(session: Session, chain: ChainList) -> int:
    """The list's next position, under a lock on its row (held until commit)."""
    position = session.execute(
        update(ChainList)
        .where(ChainList.id == chain.id)
        .values(last_position=ChainList.last_position + 1)
        .returning(ChainList.last_position)
    ).scalar_one()
    set_committed_value(chain, "last_position", position)
    return int(position)


def check_sign_chain(
    session: Session, chain: ChainList, *, user: User, values: Mapping[str, str]
) -> ChainEntry:
    """Add the member's line, or edit it if they have one (its place kept)."""
    group = session.get(Group, chain.group_id)
    assert group is not None
    check_open(group)
    cleaned = _check_values(chain, values)
    if clock.now() >= chain.closes_at:
        raise Conflict(
            Message("this list closed at %(at)s", at=clock.local_iso(chain.closes_at)),
            fields={"closes_at": Message("closed")},
        )
    entry = session.scalar(
        select(ChainEntry).where(ChainEntry.chain_id == chain.id, ChainEntry.user_id == user.id)
    )
    if entry is None:
        entry = ChainEntry(
            chain_id=chain.id,
            user_id=user.id,
            position=_next_position(session, chain),
            name=(user.display_name or user.username)[:100],
            values=cleaned,
        )
        session.add(entry)
    else:
        entry.values = cleaned
    session.flush()
    return entry


def chain_entries(session: Session, chain: ChainList) -> list[ChainEntry]:
    return list(
        session.scalars(
            select(ChainEntry).where(ChainEntry.chain_id == chain.id).order_by(ChainEntry.position)
        )
    )


def get_chain(session: Session, chain_id: str) -> ChainList:
    chain = session.get(ChainList, chain_id)
    if chain is None:
        raise NotFound(Message("no chain list has id %(chain_id)s", chain_id=chain_id))
    return chain


def export_chain(session: Session, chain: ChainList, file_format: str) -> bytes:
    """The list as CSV or XLSX: number, name, each field, last change (local time)."""
    if file_format not in WRITERS:
        raise ValidationFailed.field("format", Message("csv or xlsx"))
    columns = ["#", "姓名", *chain.fields, "更新时间"]
    rows = [
        [
            entry.position,
            entry.name,
            *[str(entry.values.get(name, "")) for name in chain.fields],
            clock.local_iso(entry.updated_at),
        ]
        for entry in chain_entries(session, chain)
    ]
    out = io.BytesIO()
    if file_format == "xlsx":
        WRITERS["xlsx"](columns, rows, out, sheet=chain.title[:31] or "list")
    else:
        WRITERS["csv"](columns, rows, out)
    return out.getvalue()
