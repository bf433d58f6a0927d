"""PostgreSQL's hot paths straight through asyncpg: one statement, one round trip, each its own
transaction (no BEGIN/COMMIT, no SQLAlchemy checkout).

- a vote is one call of `arenabot_record_vote` (migration 0005_perf), the vote transaction of
  voting.py as a server-side function;
- a battle's writes (insert, refs, message refs, turns) are one statement each;
- a warm board asks for the pair-count version, and for the rows changed since the one it has.

Everything else on PostgreSQL still goes through SQLAlchemy (engine.AsyncDatabase).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from arenabot.domain import Outcome

from .records import BattleRecord, PairCount, VoteResult
from .sql import COUNTS_VERSION, battle_record

_RECORD_VOTE = (
    "SELECT o_status, o_previous, o_closed, o_why, o_repeat, (o_battle).*"
    " FROM arenabot_record_vote($1, $2, $3, $4, $5, $6, $7, $8)"
)
# Several votes in one statement (so one transaction), in the order given.
_RECORD_VOTES = (
    "SELECT r.o_status, r.o_previous, r.o_closed, r.o_why, r.o_repeat, (r.o_battle).*"
    " FROM unnest($1::integer[], $2::varchar[], $3::varchar[], $4::varchar[], $5::timestamptz[], $6::varchar[],"
    " $7::boolean[], $8::integer[]) WITH ORDINALITY AS v(battle_id, voter, outcome, event, now, only_if, reveals, close_after, k)"
    " CROSS JOIN LATERAL arenabot_record_vote(v.battle_id, v.voter, v.outcome, v.event, v.now, v.only_if, v.reveals,"
    " v.close_after) AS r ORDER BY v.k"
)
MAX_BATCH = 32
MAX_IN_FLIGHT = 4  # batches on the wire at once, each on its own connection


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC datetime")
    return value


def _battle(row: Any) -> BattleRecord:
    fields = dict(row.items())
    categories = fields["categories"]
    fields["categories"] = json.loads(categories) if isinstance(categories, str) else categories
    return battle_record(SimpleNamespace(**fields))


VoteArgs = tuple[int, str, str | None, str | None, datetime, str | None, bool, int]


def vote_args(
    battle_id: int,
    voter_ref: str,
    outcome: Outcome | None,
    event_id: str | None,
    now: datetime,
    only_if: Outcome | None,
    reveals_names: bool,
    close_after: int,
) -> VoteArgs:
    return (
        battle_id,
        voter_ref,
        outcome.value if outcome is not None else None,
        event_id,
        _aware(now),
        only_if.value if only_if is not None else None,
        reveals_names,
        close_after,
    )


def _vote_result(row: Any) -> VoteResult:
    previous = Outcome(row["o_previous"]) if row["o_previous"] else None
    return VoteResult(row["o_status"], _battle(row), previous, closed=row["o_closed"], why=row["o_why"], repeat=row["o_repeat"])


class VoteBatcher:
    """Votes that arrive while others are on the wire go together, as one statement.

    On this kind of machine a round trip (two system calls each way) costs more than a vote's
    work inside PostgreSQL, so batching is what lifts votes per second. A batch is one
    transaction: each vote in it still runs the whole vote function (its own event claim, battle
    lock, fresh reads), one battle's votes in the order they arrived, so a replay or a second vote of the same
    voter in the same batch sees the first. Battles are locked in id order within a batch, but a
    battle close also takes the counts-version row, so two batches can still deadlock: then, as
    for any error, nothing of the batch was written and each vote is sent again on its own (its
    own transaction, its own error)."""

    def __init__(self, pool: Any):
        self.pool = pool
        self._queued: list[tuple[VoteArgs, asyncio.Future[VoteResult]]] = []
        self._in_flight = 0
        self._senders: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    async def record(self, args: VoteArgs) -> VoteResult:
        future: asyncio.Future[VoteResult] = asyncio.get_running_loop().create_future()
        self._queued.append((args, future))
        if self._in_flight < MAX_IN_FLIGHT:
            self._in_flight += 1
            sender = asyncio.get_running_loop().create_task(self._send_queued())
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        return await future

    async def _send_queued(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
                await self._send(batch)
        finally:
            self._in_flight -= 1

    async def _send(self, batch: list[tuple[VoteArgs, asyncio.Future[VoteResult]]]) -> None:
        if len(batch) > 1:
            ordered = sorted(batch, key=lambda job: job[0][0])  # stable: one battle's votes keep their order
            try:
                rows = await self.pool.fetch(
                    _RECORD_VOTES, *(list(column) for column in zip(*(job[0] for job in ordered), strict=True))
                )
            except Exception:
                pass  # nothing of the batch was written: each on its own below
            else:
                for (_, future), row in zip(ordered, rows, strict=True):
                    if not future.done():
                        future.set_result(_vote_result(row))
                return
        for args, future in batch:
            try:
                result = await record_vote(self.pool, args)
            except BaseException as exc:
                if not future.done():
                    future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                if not future.done():
                    future.set_result(result)


async def record_vote(pool: Any, args: VoteArgs) -> VoteResult:
    import asyncpg

    try:
        row = await pool.fetchrow(_RECORD_VOTE, *args)
    except asyncpg.NoDataFoundError:
        raise LookupError(f"no battle with id {args[0]}") from None
    return _vote_result(row)


# ---- battles -----------------------------------------------------------------------------------


async def insert_battle(pool: Any, values: dict[str, Any]) -> int:
    names = list(values)
    placeholders = ", ".join(f"${k + 1}" + ("::json" if name == "categories" else "") for k, name in enumerate(names))
    sql = f"INSERT INTO battles ({', '.join(names)}) VALUES ({placeholders}) RETURNING id"
    args = [json.dumps(values[n]) if n == "categories" else values[n] for n in names]
    for name in ("created_at", "closes_at"):
        _aware(values[name])
    return int(await pool.fetchval(sql, *args))


async def set_refs(pool: Any, battle_id: int, thread_ref: str, header_ref: str) -> None:
    await pool.execute("UPDATE battles SET thread_ref = $1, header_ref = $2 WHERE id = $3", thread_ref, header_ref, battle_id)


async def add_message(pool: Any, platform: str, message_ref: str, battle_id: int, kind: str) -> None:
    await pool.execute(
        "INSERT INTO battle_messages (platform, message_ref, battle_id, kind) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (platform, message_ref) DO NOTHING",
        platform,
        message_ref,
        battle_id,
        kind,
    )


_TURN_FIELDS = (
    "battle_id",
    "index",
    "side",
    "prompt",
    "reply",
    "latency_s",
    "first_token_s",
    "prompt_tokens",
    "completion_tokens",
    "finish_reason",
    "error",
    "created_at",
)
_TURN_TYPES = (
    "integer",
    "integer",
    "varchar",
    "text",
    "text",
    "float8",
    "float8",
    "integer",
    "integer",
    "varchar",
    "text",
    "timestamptz",
)
# The turns and the battle's turn count in one statement: the count adds the new indexes to the
# stored ones (a statement does not see its own inserts).
_ADD_TURNS = (
    "WITH added AS (INSERT INTO turns ("
    + ", ".join(f'"{f}"' for f in _TURN_FIELDS)
    + ") SELECT * FROM unnest("
    + ", ".join(f"${k + 1}::{t}[]" for k, t in enumerate(_TURN_TYPES))
    + ') RETURNING "index")'
    ' UPDATE battles SET turn_count = (SELECT count(*) FROM (SELECT "index" FROM turns WHERE battle_id = $1[1]'
    ' UNION SELECT "index" FROM added) AS i) WHERE id = $1[1]'
)


async def add_turns(pool: Any, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        _aware(row["created_at"])
    await pool.execute(_ADD_TURNS, *([row[f] for row in rows] for f in _TURN_FIELDS))


async def count_recent(pool: Any, scope_key: str, creator_ref: str, since: datetime) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM battles WHERE scope_key = $1 AND creator_ref = $2 AND created_at >= $3",
            scope_key,
            creator_ref,
            _aware(since),
        )
    )


# ---- warm boards -------------------------------------------------------------------------------


async def counts_version(pool: Any) -> int:
    return int(await pool.fetchval(COUNTS_VERSION))


async def pair_counts_since(pool: Any, scope_key: str, category: str, since: int) -> list[PairCount]:
    rows = await pool.fetch(
        "SELECT model_a, model_b, wins_a, wins_b, ties, both_bad FROM pair_counts"
        " WHERE scope_key = $1 AND category = $2 AND version > $3",
        scope_key,
        category,
        since,
    )
    return [PairCount(*r) for r in rows]
