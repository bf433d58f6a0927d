"""The statements of the vote transaction, twice: SQLAlchemy Core (PostgreSQL) and raw sqlite3.

Votes are the hot path. On SQLite the statements themselves take microseconds and SQLAlchemy's
per-statement execution machinery was three quarters of a vote's cost, so there the same SQL
goes straight to the sqlite3 connection, inside the transaction SQLAlchemy began (BEGIN
IMMEDIATE). voting.py holds the decisions; both classes here only read and write. The tests run
every vote scenario on both databases, so both paths are checked against the same contract.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.engine import Connection

from arenabot.domain import Outcome

from .records import BattleRecord
from .sql import (
    ADD_TO_PATTERN_SQL,
    BUMP_BOARD_VERSION_SQL,
    CLAIM_CLOSE,
    COUNTED_OUTCOMES,
    apply_deltas,
    apply_patterns,
    battle_record,
    battles,
    claim_event,
    stamped,
    votes,
)

_VOTE_COLUMNS = [
    votes.c.id.label("vote_id"),
    votes.c.outcome.label("vote_outcome"),
    votes.c.blind.label("vote_blind"),
    votes.c.counted.label("vote_counted"),
    votes.c.names_seen_at.label("vote_names_seen_at"),
    votes.c.unblind_outcome.label("vote_unblind_outcome"),
]

# Built once: building SQLAlchemy constructs per vote costs more than running them.
_BATTLE_AND_VOTE = (
    select(battles, *_VOTE_COLUMNS)
    .select_from(battles.outerjoin(votes, and_(votes.c.battle_id == battles.c.id, votes.c.voter_ref == bindparam("voter_ref"))))
    .where(battles.c.id == bindparam("battle_id"))
)
_LOCK_BATTLE = select(battles).where(battles.c.id == bindparam("battle_id")).with_for_update()
_VOTE = select(*_VOTE_COLUMNS).where(votes.c.battle_id == bindparam("battle_id"), votes.c.voter_ref == bindparam("voter_ref"))
_INSERT_VOTE = votes.insert()
_UPDATE_VOTE = (
    update(votes)
    .where(votes.c.id == bindparam("vote_id"))
    .values(
        outcome=bindparam("outcome"),
        blind=bindparam("blind"),
        counted=bindparam("counted"),
        updated_at=bindparam("now"),
        names_seen_at=func.coalesce(votes.c.names_seen_at, bindparam("seen_at", type_=votes.c.names_seen_at.type)),
    )
)
_SET_UNBLIND = update(votes).where(votes.c.id == bindparam("vote_id")).values(unblind_outcome=bindparam("asked"))
_ADD_COUNTED = (
    update(battles)
    .where(battles.c.id == bindparam("battle_id"))
    .values(counted_votes=battles.c.counted_votes + bindparam("delta"))
)


class CoreVoteIO:
    """Any database, through SQLAlchemy Core. Used for PostgreSQL."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def claim(self, event_id: str, now: datetime) -> bool:
        return claim_event(self.conn, event_id, now)

    def battle_and_vote(self, battle_id: int, voter_ref: str, lock: bool) -> tuple[BattleRecord, Any] | None:
        params = {"battle_id": battle_id, "voter_ref": voter_ref}
        if lock and self.conn.dialect.name == "postgresql":
            # Lock the battle first, then read the vote in a statement of its own: under READ
            # COMMITTED that statement sees what the transaction we waited for committed (a joined
            # read would keep the vote row as it was before the wait).
            battle_row = self.conn.execute(_LOCK_BATTLE, params).first()
            if battle_row is None:
                return None
            return battle_record(battle_row), self.conn.execute(_VOTE, params).first()
        row = self.conn.execute(_BATTLE_AND_VOTE, params).first()
        if row is None:
            return None
        return battle_record(row), (row if row.vote_id is not None else None)

    def insert_vote(
        self,
        battle_id: int,
        voter_ref: str,
        outcome: str | None,
        blind: bool,
        counted: bool,
        now: datetime,
        seen_at: datetime | None,
    ) -> None:
        self.conn.execute(
            _INSERT_VOTE,
            {
                "battle_id": battle_id,
                "voter_ref": voter_ref,
                "outcome": outcome,
                "blind": blind,
                "counted": counted,
                "created_at": now,
                "updated_at": now,
                "names_seen_at": seen_at,
                "unblind_outcome": None,
            },
        )

    def update_vote(
        self, vote_id: int, outcome: str | None, blind: bool, counted: bool, now: datetime, seen_at: datetime | None
    ) -> None:
        params = {"vote_id": vote_id, "outcome": outcome, "blind": blind, "counted": counted, "now": now, "seen_at": seen_at}
        self.conn.execute(_UPDATE_VOTE, params)

    def set_unblind(self, vote_id: int, asked: str) -> None:
        self.conn.execute(_SET_UNBLIND, {"vote_id": vote_id, "asked": asked})

    def claim_close(self, battle_id: int, now: datetime) -> bool:
        return self.conn.execute(CLAIM_CLOSE, {"battle_id": battle_id, "now": now}).rowcount == 1

    def counted_outcomes(self, battle_id: int) -> Counter[Outcome]:
        return Counter({Outcome(o): int(n) for o, n in self.conn.execute(COUNTED_OUTCOMES, {"battle_id": battle_id})})

    def add_pairs(self, rows: list[dict[str, object]]) -> None:
        apply_deltas(self.conn, rows)

    def add_patterns(self, rows: list[dict[str, object]]) -> None:
        apply_patterns(self.conn, rows)

    def add_counted(self, battle_id: int, delta: int) -> None:
        self.conn.execute(_ADD_COUNTED, {"battle_id": battle_id, "delta": delta})


# ---- SQLite, raw ------------------------------------------------------------------------------

_BATTLE_FIELDS = [c.name for c in battles.columns]
_RAW_BATTLE_AND_VOTE = (
    "SELECT "
    + ", ".join(f"b.{name}" for name in _BATTLE_FIELDS)
    + ", v.id, v.outcome, v.blind, v.counted, v.names_seen_at, v.unblind_outcome"
    " FROM battles b LEFT OUTER JOIN votes v ON v.battle_id = b.id AND v.voter_ref = ? WHERE b.id = ?"
)
_RAW_CLAIM = (
    "INSERT INTO processed_events (event_id, created_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
_RAW_INSERT_VOTE = (
    "INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at, names_seen_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_RAW_UPDATE_VOTE = "UPDATE votes SET outcome = ?, blind = ?, counted = ?, updated_at = ?, names_seen_at = coalesce(names_seen_at, ?) WHERE id = ?"
_RAW_SET_UNBLIND = "UPDATE votes SET unblind_outcome = ? WHERE id = ?"
_RAW_CLAIM_CLOSE = "UPDATE battles SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'"
_RAW_COUNTED_OUTCOMES = "SELECT outcome, count(*) FROM votes WHERE battle_id = ? AND counted GROUP BY outcome"
_RAW_ADD_PAIR = (
    "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope_key, category, model_a, model_b) DO UPDATE SET"
    " wins_a = wins_a + excluded.wins_a, wins_b = wins_b + excluded.wins_b,"
    " ties = ties + excluded.ties, both_bad = both_bad + excluded.both_bad"
)
_PAIR_KEYS = ("scope_key", "category", "model_a", "model_b", "wins_a", "wins_b", "ties", "both_bad")
_RAW_ADD_PATTERN = ADD_TO_PATTERN_SQL.format(", ".join("?" * 10))
_PATTERN_KEYS = (*_PAIR_KEYS, "battles", "version")
_RAW_BUMP_BOARD_VERSION = BUMP_BOARD_VERSION_SQL.format("?")
_RAW_ADD_COUNTED = "UPDATE battles SET counted_votes = counted_votes + ? WHERE id = ?"
_TIMES = {"created_at", "closes_at", "closed_at", "leaked_at"}


def sqlite_time(value: datetime) -> str:
    """A UTC time as SQLAlchemy stores it in SQLite, so both paths compare and sort alike."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


class SQLiteVoteIO:
    """SQLite through the sqlite3 connection under SQLAlchemy's transaction."""

    def __init__(self, conn: Connection):
        raw = conn.connection.dbapi_connection
        assert raw is not None, "a connection in a transaction holds its DB-API connection"
        self.raw = raw

    def claim(self, event_id: str, now: datetime) -> bool:
        return self.raw.execute(_RAW_CLAIM, (event_id, sqlite_time(now))).fetchone() is not None

    def battle_and_vote(self, battle_id: int, voter_ref: str, lock: bool) -> tuple[BattleRecord, Any] | None:
        # BEGIN IMMEDIATE already holds the database's only write lock: no row lock needed.
        row = self.raw.execute(_RAW_BATTLE_AND_VOTE, (voter_ref, battle_id)).fetchone()
        if row is None:
            return None
        fields = dict(zip(_BATTLE_FIELDS, row, strict=False))  # the vote's columns follow
        for name in _TIMES:
            fields[name] = _parse_time(fields[name])
        fields["categories"] = json.loads(fields["categories"])
        battle = battle_record(SimpleNamespace(**fields))
        vote_id, outcome, blind, counted, seen_at, unblind = row[len(_BATTLE_FIELDS) :]
        existing = None
        if vote_id is not None:
            existing = SimpleNamespace(
                vote_id=vote_id,
                vote_outcome=outcome,
                vote_blind=bool(blind),
                vote_counted=bool(counted),
                vote_names_seen_at=_parse_time(seen_at),
                vote_unblind_outcome=unblind,
            )
        return battle, existing

    def insert_vote(
        self,
        battle_id: int,
        voter_ref: str,
        outcome: str | None,
        blind: bool,
        counted: bool,
        now: datetime,
        seen_at: datetime | None,
    ) -> None:
        at = sqlite_time(now)
        seen = sqlite_time(seen_at) if seen_at is not None else None
        self.raw.execute(_RAW_INSERT_VOTE, (battle_id, voter_ref, outcome, int(blind), int(counted), at, at, seen))

    def update_vote(
        self, vote_id: int, outcome: str | None, blind: bool, counted: bool, now: datetime, seen_at: datetime | None
    ) -> None:
        seen = sqlite_time(seen_at) if seen_at is not None else None
        self.raw.execute(_RAW_UPDATE_VOTE, (outcome, int(blind), int(counted), sqlite_time(now), seen, vote_id))

    def set_unblind(self, vote_id: int, asked: str) -> None:
        self.raw.execute(_RAW_SET_UNBLIND, (asked, vote_id))

    def claim_close(self, battle_id: int, now: datetime) -> bool:
        return self.raw.execute(_RAW_CLAIM_CLOSE, (sqlite_time(now), battle_id)).rowcount == 1

    def counted_outcomes(self, battle_id: int) -> Counter[Outcome]:
        return Counter({Outcome(o): int(n) for o, n in self.raw.execute(_RAW_COUNTED_OUTCOMES, (battle_id,))})

    def add_pairs(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.raw.executemany(_RAW_ADD_PAIR, [tuple(r[k] for k in _PAIR_KEYS) for r in rows])

    def add_patterns(self, rows: list[dict[str, object]]) -> None:
        if rows:

            def bump(scope: str) -> int:
                return int(self.raw.execute(_RAW_BUMP_BOARD_VERSION, (scope,)).fetchone()[0])

            self.raw.executemany(_RAW_ADD_PATTERN, [tuple(r[k] for k in _PATTERN_KEYS) for r in stamped(rows, bump)])

    def add_counted(self, battle_id: int, delta: int) -> None:
        self.raw.execute(_RAW_ADD_COUNTED, (delta, battle_id))


def vote_io(conn: Connection) -> CoreVoteIO | SQLiteVoteIO:
    return SQLiteVoteIO(conn) if conn.dialect.name == "sqlite" else CoreVoteIO(conn)
