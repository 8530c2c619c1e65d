"""Message search over 1,000,000 messages in 1,000 groups, on PostgreSQL (and a SQLite slice).

Measures ``gridgov.groups.search.search_messages`` (the bigram index: a ``tsvector`` under GIN
on PostgreSQL, FTS5 on SQLite) for 2- and 3-character Chinese queries, searching one
member's groups: a villager in 3 groups, and a town leader in 300. Baseline in the same run:
the same query answered by ``text LIKE '%q%'`` over the same member's groups (served by the
(group_id, seq) index, then a scan of their messages), the plan there would be without the
search index. Prints p50/p99 in ms and the ratio baseline/index.

The lead's ``bench/groups.py`` calls :func:`search_rows` (rows for its table); run alone:
``python bench/groups_search.py [--messages 1000000] [--sqlite-messages 100000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

import scratch  # bench/scratch.py: the scratch databases
from gridgov.access.principal import Principal
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.groups.models import GroupMessage
from gridgov.groups.search import index_rows, member_group_ids, search_messages
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for

GROUPS = 1000
TOWN = "350305001"
STAMP = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# What village groups say, in pieces: messages are 3 to 12 of them.
PHRASE_TEXT = (
    "台风 停水 停电 开会 通知 明天 今天 注意 安全 村委 网格 接种 疫苗 垃圾 清运 道路 维修 "
    "老人 低保 补贴 申请 材料 打扫 卫生 检查 消防 隐患 河道 暴雨 转移 群众 党员 志愿 报名 "
    "统计 户口 房屋 漏水 路灯 坏了 请大家 收到 好的 谢谢 辛苦 几点 哪里 地址 电话 核酸 渔船 "
    "回港 避风 水库 巡查 医保 缴费 截止 广场 舞蹈 祠堂 修缮 捐款 名单 公示 村口 桥头"
)
PHRASES = tuple(PHRASE_TEXT.split())
QUERIES_2 = ("台风", "停水", "收到", "疫苗", "路灯", "渔船")
QUERIES_3 = ("台风停", "请大家", "开会通", "水库巡", "避风港", "路灯坏")
# (label, groups the searching member belongs to)
MEMBERS = (("villager (3 groups)", 3), ("town leader (300 groups)", 300))


@dataclass
class Row:
    backend: str
    measure: str
    index_p50: float
    index_p99: float
    baseline_p50: float
    baseline_p99: float
    hits: int

    @property
    def ratio(self) -> float:
        return self.baseline_p99 / self.index_p99 if self.index_p99 else float("inf")


# --- data ----------------------------------------------------------------------------------


def village(number: int) -> str:
    return f"{TOWN}{number:03d}"


def body(rng: random.Random) -> str:
    pieces = [rng.choice(PHRASES) for _ in range(rng.randint(3, 12))]
    return "".join(pieces) + rng.choice(("。", "！", "", ""))


def _insert(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    statement = text(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + column for column in columns)})"
    )
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == 5000:
                connection.execute(statement, batch)
                batch = []
        if batch:
            connection.execute(statement, batch)


def _territories() -> Iterator[tuple]:
    nodes = [("350305", "district", None), (TOWN, "town", "350305")]
    nodes += [(village(n), "village", TOWN) for n in range(1, GROUPS + 1)]
    for code, level, parent in nodes:
        yield (
            secrets.token_hex(16),
            code,
            level,
            parent,
            code,
            "",
            "active",
            STAMP,
            STAMP,
            "bench",
            1,
        )


def _groups(group_ids: list[str], per_group: int) -> Iterator[tuple]:
    for number, group_id in enumerate(group_ids, start=1):
        code = village(number)
        yield (
            group_id,
            "village",
            code,
            code,
            f"{code}群",
            "open",
            "active",
            per_group,
            0,
            STAMP,
            "bench",
        )


def _users(user_ids: list[str]) -> Iterator[tuple]:
    for number, user_id in enumerate(user_ids):
        yield (
            user_id,
            f"bench{number}",
            f"用户{number}",
            "x",
            False,
            True,
            0,
            "zh-CN",
            "normal",
            STAMP,
            STAMP,
            "bench",
        )


def _members(user_ids: list[str], group_ids: list[str]) -> Iterator[tuple]:
    for user_id, (_, count) in zip(user_ids[1:], MEMBERS, strict=True):
        for group_id in group_ids[:: GROUPS // count][:count]:
            yield (secrets.token_hex(16), group_id, user_id, "household", STAMP, False, 0)


def load(engine: Engine, messages: int) -> list[str]:
    """Territories, 1,000 village groups, an author and the searching members, ``messages``
    messages spread evenly over the groups (as COPY/INSERT rows, not through the actions),
    and their search rows. Returns the searching users' ids, in MEMBERS order."""
    put = scratch.copy_rows if engine.dialect.name == "postgresql" else _insert
    group_ids = [f"{n:032x}" for n in range(1, GROUPS + 1)]
    user_ids = [f"{n:032x}" for n in range(9001, 9002 + len(MEMBERS))]
    put(engine, "territories", TERRITORY_COLUMNS, _territories())
    put(engine, "groups", GROUP_COLUMNS, _groups(group_ids, messages // GROUPS))
    put(engine, "users", USER_COLUMNS, _users(user_ids))
    put(engine, "group_members", MEMBER_COLUMNS, _members(user_ids, group_ids))
    rng = random.Random(13)
    triples = [(f"{n + 1:032x}", group_ids[n % GROUPS], body(rng)) for n in range(messages)]
    put(
        engine,
        "group_messages",
        MESSAGE_COLUMNS,
        (
            (
                mid,
                gid,
                n // GROUPS + 1,
                "text",
                user_ids[0],
                "用户0",
                said,
                "[]",
                STAMP + dt.timedelta(seconds=n),
            )
            for n, (mid, gid, said) in enumerate(triples)
        ),
    )
    dialect = engine.dialect.name
    put(
        engine,
        "message_search",
        ("message_id", "group_id", "tokens"),
        ((row["id"], row["group"], row["tokens"]) for row in index_rows(dialect, triples)),
    )
    if dialect == "postgresql":
        raw = engine.raw_connection()
        try:
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute(
                "VACUUM ANALYZE group_messages, message_search, group_members"
            )
        finally:
            raw.close()
    return user_ids[1:]


TERRITORY_COLUMNS = (
    "id",
    "code",
    "level",
    "parent_code",
    "name_zh",
    "name_en",
    "status",
    "created_at",
    "updated_at",
    "updated_by",
    "version",
)
GROUP_COLUMNS = (
    "id",
    "kind",
    "territory_code",
    "village_code",
    "name",
    "mode",
    "status",
    "last_seq",
    "attachment_bytes",
    "created_at",
    "created_by",
)
USER_COLUMNS = (
    "id",
    "username",
    "display_name",
    "password_hash",
    "must_change_password",
    "is_active",
    "failed_login_count",
    "language",
    "text_size",
    "created_at",
    "updated_at",
    "created_by",
)
MEMBER_COLUMNS = ("id", "group_id", "user_id", "source", "joined_at", "removed", "read_seq")
MESSAGE_COLUMNS = (
    "id",
    "group_id",
    "seq",
    "kind",
    "author_user_id",
    "author_name",
    "text",
    "mentions",
    "created_at",
)


# --- measuring -----------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _like_baseline(session: Session, user_id: str, query: str) -> int:
    """The same answer without the index: LIKE over the member's groups' messages."""
    groups = member_group_ids(session, user_id)
    base = select(GroupMessage.id).where(
        GroupMessage.group_id.in_(groups),
        GroupMessage.recalled_at.is_(None),
        GroupMessage.text.like(f"%{query}%"),
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    session.scalars(
        base.order_by(GroupMessage.created_at.desc(), GroupMessage.id.desc()).limit(50)
    ).all()
    return total


def _timed(work: Callable[[], int], rounds: int) -> tuple[list[float], int]:
    samples, hits = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        hits = work()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, hits


def measure(engine: Engine, backend: str, user_ids: list[str], rounds: int) -> list[Row]:
    rows: list[Row] = []
    with session_factory(engine)() as session:
        for (label, _), user_id in zip(MEMBERS, user_ids, strict=True):
            principal = Principal(user_id=user_id, username="bench")
            for size, queries in (("2-char", QUERIES_2), ("3-char", QUERIES_3)):
                indexed: list[float] = []
                scanned: list[float] = []
                hits = 0
                for query in queries:
                    samples, found = _timed(
                        lambda q=query, who=principal: (
                            search_messages(session, who, q, limit=50, offset=0).total
                        ),
                        rounds,
                    )
                    baseline, expected = _timed(
                        lambda q=query, who=user_id: _like_baseline(session, who, q),
                        max(2, rounds // 5),
                    )
                    if found != expected:
                        raise SystemExit(
                            f"{backend} {query!r}: index found {found}, LIKE {expected}"
                        )
                    indexed += samples
                    scanned += baseline
                    hits += found
                p50, p99 = _percentiles(indexed)
                b50, b99 = _percentiles(scanned)
                rows.append(
                    Row(backend, f"{label}, {size}", p50, p99, b50, b99, hits // len(queries))
                )
    return rows


# --- databases and the run ---------------------------------------------------------------


@contextmanager
def postgres_database() -> Iterator[Engine]:
    with scratch.postgres_schema("bench_groups_search") as (engine, _url):
        yield engine


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="bench-groups-search-") as folder:
        engine = create_engine_for(f"sqlite:///{folder}/bench.sqlite3")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def search_rows(
    messages: int = 1_000_000, sqlite_messages: int = 100_000, rounds: int = 30
) -> list[Row]:
    """The search rows of bench/groups.py: PostgreSQL over ``messages`` and SQLite over
    ``sqlite_messages`` (0: skip), each against its LIKE baseline."""
    rows: list[Row] = []
    with postgres_database() as engine:
        started = time.perf_counter()
        users = load(engine, messages)
        print(
            f"loaded {messages:,} messages into PostgreSQL in {time.perf_counter() - started:.0f} s"
        )
        rows += measure(engine, f"postgresql {messages:,}", users, rounds)
    if sqlite_messages:
        with sqlite_database() as engine:
            users = load(engine, sqlite_messages)
            rows += measure(engine, f"sqlite {sqlite_messages:,}", users, rounds)
    return rows


def print_rows(rows: list[Row]) -> None:
    print(
        f"{'backend':<20} {'member, query':<36} {'index p50':>9} {'p99':>7} "
        f"{'LIKE p50':>9} {'p99':>7} {'p99 ratio':>9} {'hits':>6}"
    )
    for row in rows:
        print(
            f"{row.backend:<20} {row.measure:<36} {row.index_p50:9.1f} {row.index_p99:7.1f} "
            f"{row.baseline_p50:9.1f} {row.baseline_p99:7.1f} {row.ratio:9.1f} {row.hits:6d}"
        )
    print(
        "ms; index: search_messages (bigram FTS5 / tsvector+GIN, a group token per row); "
        "baseline: text LIKE '%q%' over the same member's groups; aim: p99 < 100 ms on "
        "PostgreSQL; load: " + os.popen("uptime").read().strip()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--sqlite-messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30, help="timed searches per query")
    args = parser.parse_args(argv)
    install(Settings())
    print_rows(search_rows(args.messages, args.sqlite_messages, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
