"""The statements of the battle hot path (rate-limit count, create, thread refs, turns, ballot ref),
twice: SQLAlchemy Core built once with bind parameters (PostgreSQL) and raw sqlite3 (SQLite).

Like votes (vote_io.py), a battle is a handful of tiny statements; building and compiling
SQLAlchemy constructs per call cost more than running them. On SQLite the same SQL goes straight
to the sqlite3 connection inside the transaction SQLAlchemy began. Values are stored exactly as
SQLAlchemy stores them (times as UTC text, JSON through json.dumps, booleans as 0/1), so either
path reads what the other wrote; the store tests run on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, distinct, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from .sql import battles, messages, turns
from .vote_io import sqlite_time

# Turn columns in insert order (the table's own order).
TURN_FIELDS = [c.name for c in turns.columns]
BATTLE_INSERT_FIELDS = [c.name for c in battles.columns if c.name != "id"]

# ---- PostgreSQL (any database), SQLAlchemy Core built once ------------------------------------

_COUNT_RECENT = select(func.count()).where(
    battles.c.scope_key == bindparam("scope_key"),
    battles.c.creator_ref == bindparam("creator_ref"),
    battles.c.created_at >= bindparam("since", type_=battles.c.created_at.type),
)
_INSERT_BATTLE = battles.insert().returning(battles.c.id)
_SET_REFS = (
    update(battles)
    .where(battles.c.id == bindparam("battle_id"))
    .values(thread_ref=bindparam("thread_ref"), header_ref=bindparam("header_ref"))
)
_INSERT_TURNS = turns.insert()
_COUNT_TURNS = (
    update(battles)
    .where(battles.c.id == bindparam("battle_id"))
    .values(
        turn_count=select(func.count(distinct(turns.c.index)))
        .where(turns.c.battle_id == bindparam("battle_id"))
        .scalar_subquery()
    )
)
_ADD_MESSAGE = (
    postgresql.insert(messages)
    .values(
        platform=bindparam("platform"),
        message_ref=bindparam("message_ref"),
        battle_id=bindparam("battle_id"),
        kind=bindparam("kind"),
    )
    .on_conflict_do_nothing(index_elements=["platform", "message_ref"])
)


class CoreBattleIO:
    def __init__(self, conn: Connection):
        self.conn = conn

    def count_recent(self, scope_key: str, creator_ref: str, since: datetime) -> int:
        params = {"scope_key": scope_key, "creator_ref": creator_ref, "since": since}
        return int(self.conn.execute(_COUNT_RECENT, params).scalar_one())

    def insert_battle(self, values: dict[str, Any]) -> int:
        return int(self.conn.execute(_INSERT_BATTLE, values).scalar_one())

    def set_refs(self, battle_id: int, thread_ref: str, header_ref: str) -> None:
        self.conn.execute(_SET_REFS, {"battle_id": battle_id, "thread_ref": thread_ref, "header_ref": header_ref})

    def add_turns(self, battle_id: int, rows: Sequence[dict[str, Any]]) -> None:
        self.conn.execute(_INSERT_TURNS, list(rows))
        self.conn.execute(_COUNT_TURNS, {"battle_id": battle_id})

    def add_message(self, platform: str, message_ref: str, battle_id: int, kind: str) -> None:
        params = {"platform": platform, "message_ref": message_ref, "battle_id": battle_id, "kind": kind}
        self.conn.execute(_ADD_MESSAGE, params)


# ---- SQLite, raw ------------------------------------------------------------------------------

_RAW_COUNT_RECENT = "SELECT count(*) FROM battles WHERE scope_key = ? AND creator_ref = ? AND created_at >= ?"
_RAW_INSERT_BATTLE = (
    f"INSERT INTO battles ({', '.join(BATTLE_INSERT_FIELDS)}) VALUES ({', '.join('?' for _ in BATTLE_INSERT_FIELDS)})"
)
_RAW_SET_REFS = "UPDATE battles SET thread_ref = ?, header_ref = ? WHERE id = ?"
_RAW_INSERT_TURN = (
    "INSERT INTO turns (" + ", ".join(f'"{name}"' for name in TURN_FIELDS) + ")"  # "index" is a keyword
    f" VALUES ({', '.join('?' for _ in TURN_FIELDS)})"
)
_RAW_COUNT_TURNS = 'UPDATE battles SET turn_count = (SELECT count(DISTINCT "index") FROM turns WHERE battle_id = ?) WHERE id = ?'
_RAW_ADD_MESSAGE = (
    "INSERT INTO battle_messages (platform, message_ref, battle_id, kind) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (platform, message_ref) DO NOTHING"
)
_TIME_FIELDS = frozenset({"created_at", "closes_at", "closed_at", "leaked_at"})
_JSON_FIELDS = frozenset({"categories", "upstream"})


def utc_text(value: datetime | None) -> str | None:
    """`sqlite_time`, refusing naive datetimes as the UTCDateTime column type does."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC datetime")
    return sqlite_time(value.astimezone(timezone.utc))


def _sqlite_value(name: str, value: Any) -> Any:
    if name in _TIME_FIELDS:
        return utc_text(value)
    if name in _JSON_FIELDS:
        return None if value is None else json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


class SQLiteBattleIO:
    def __init__(self, conn: Connection):
        raw = conn.connection.dbapi_connection
        assert raw is not None, "a connection in a transaction holds its DB-API connection"
        self.raw = raw

    def count_recent(self, scope_key: str, creator_ref: str, since: datetime) -> int:
        return int(self.raw.execute(_RAW_COUNT_RECENT, (scope_key, creator_ref, utc_text(since))).fetchone()[0])

    def insert_battle(self, values: dict[str, Any]) -> int:
        row = tuple(_sqlite_value(name, values[name]) for name in BATTLE_INSERT_FIELDS)
        return int(self.raw.execute(_RAW_INSERT_BATTLE, row).lastrowid)

    def set_refs(self, battle_id: int, thread_ref: str, header_ref: str) -> None:
        self.raw.execute(_RAW_SET_REFS, (thread_ref, header_ref, battle_id))

    def add_turns(self, battle_id: int, rows: Sequence[dict[str, Any]]) -> None:
        self.raw.executemany(_RAW_INSERT_TURN, [tuple(_sqlite_value(name, row[name]) for name in TURN_FIELDS) for row in rows])
        self.raw.execute(_RAW_COUNT_TURNS, (battle_id, battle_id))

    def add_message(self, platform: str, message_ref: str, battle_id: int, kind: str) -> None:
        self.raw.execute(_RAW_ADD_MESSAGE, (platform, message_ref, battle_id, kind))


def battle_io(conn: Connection) -> CoreBattleIO | SQLiteBattleIO:
    return SQLiteBattleIO(conn) if conn.dialect.name == "sqlite" else CoreBattleIO(conn)
