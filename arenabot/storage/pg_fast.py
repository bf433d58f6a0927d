"""PostgreSQL's hot paths straight through asyncpg: one statement, one round trip, each its own
transaction (no BEGIN/COMMIT, no SQLAlchemy checkout).

- a vote is one call of `arenabot_record_vote` (migration 0008), the vote transaction of
  voting.py as a server-side function;
- a battle's writes (insert, refs, message refs, turns) are one statement each, and so are the
  rate limit's count and a battle read by id;
- calls of one kind that arrive together go as one statement (batching.py).
- a board's version and its pattern rows changed since a version (Store.board_changes): what
  a warm board reads on every request.

Everything else on PostgreSQL still goes through SQLAlchemy (engine.AsyncDatabase).
"""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from arenabot.domain import Outcome

from .batching import Batcher
from .records import BattleRecord, VoteResult
from .sql import BOARD_CHANGES_SQL, battle_record

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


async def record_votes(pool: Any, batch: list[VoteArgs]) -> list[VoteResult]:
    """Several votes in one statement, so one transaction. Each still runs the whole vote
    function (its own event claim, battle lock, fresh reads), one battle's votes in the order
    they came, so a replay or a second vote of the same voter in the batch sees the first.
    Battles are locked in id order; a close also takes its boards' version rows, so two batches can
    still deadlock: PostgreSQL then fails one, and the batcher sends its votes again by battle."""
    order = sorted(range(len(batch)), key=lambda k: batch[k][0])  # stable
    rows = await pool.fetch(_RECORD_VOTES, *(list(column) for column in zip(*(batch[k] for k in order), strict=True)))
    results: list[VoteResult | None] = [None] * len(batch)
    for k, row in zip(order, rows, strict=True):
        results[k] = _vote_result(row)
    return results  # type: ignore[return-value]


DEADLOCK_RETRIES = 5


async def record_vote(pool: Any, args: VoteArgs) -> VoteResult:
    """One vote, its own transaction. A vote alone can still deadlock with a batch in another
    process (it holds its event claim and waits for the battle; the batch holds the battle and
    waits for a replay of that event): PostgreSQL then rolls one back, and it is sent again."""
    import asyncpg

    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            row = await pool.fetchrow(_RECORD_VOTE, *args)
        except asyncpg.NoDataFoundError:
            raise LookupError(f"no battle with id {args[0]}") from None
        except asyncpg.DeadlockDetectedError:
            if attempt == DEADLOCK_RETRIES:
                raise
        else:
            return _vote_result(row)
    raise AssertionError("unreachable")


# ---- battles -----------------------------------------------------------------------------------


# The battles table's columns as the store writes them, with their types for unnest().
_BATTLE_TYPES = {
    "scope_key": "varchar",
    "platform": "varchar",
    "channel_ref": "varchar",
    "thread_ref": "varchar",
    "header_ref": "varchar",
    "creator_ref": "varchar",
    "model_a": "varchar",
    "model_b": "varchar",
    "categories": "json",
    "language": "varchar",
    "prompt": "text",
    "status": "varchar",
    "identity_leak": "boolean",
    "void_reason": "text",
    "turn_count": "integer",
    "counted_votes": "integer",
    "created_at": "timestamptz",
    "closes_at": "timestamptz",
    "closed_at": "timestamptz",
    "leaked_at": "timestamptz",
    "anony": "boolean",
    "upstream": "json",  # an imported record's own FastChat fields; NULL for the bot's battles
}
_BATTLE_COLUMNS = list(_BATTLE_TYPES)
# Several battles in one statement. The ids are drawn first (a CTE with nextval() is evaluated
# once), so each caller gets its own battle's id whatever order the rows are inserted in.
_INSERT_BATTLES = (
    "WITH v AS (SELECT nextval(pg_get_serial_sequence('battles', 'id'))::integer AS id, u.* FROM unnest("
    + ", ".join(f"${k + 1}::{t}[]" for k, t in enumerate(_BATTLE_TYPES.values()))
    + ") WITH ORDINALITY AS u("
    + ", ".join(_BATTLE_COLUMNS)
    + ", k)), added AS (INSERT INTO battles (id, "
    + ", ".join(_BATTLE_COLUMNS)
    + ") SELECT id, "
    + ", ".join(_BATTLE_COLUMNS)
    + " FROM v) SELECT id FROM v ORDER BY k"
)


def _column_value(column: str, value: Any) -> Any:
    """asyncpg takes json as text; a missing value stays SQL NULL, not JSON null."""
    if _BATTLE_TYPES[column] == "json" and value is not None:
        return json.dumps(value)
    return value


async def insert_battles(pool: Any, batch: list[dict[str, Any]]) -> list[int]:
    for values in batch:
        if sorted(values) != sorted(_BATTLE_COLUMNS):
            raise ValueError(f"a battle's columns are {_BATTLE_COLUMNS}, got {sorted(values)}")
        _aware(values["created_at"])
        _aware(values["closes_at"])
    columns = [[_column_value(c, v[c]) for v in batch] for c in _BATTLE_COLUMNS]
    return [int(row[0]) for row in await pool.fetch(_INSERT_BATTLES, *columns)]


async def insert_battle(pool: Any, values: dict[str, Any]) -> int:
    return (await insert_battles(pool, [values]))[0]


_GET_BATTLES = "SELECT * FROM battles WHERE id = ANY($1::integer[])"


async def get_battles(pool: Any, ids: list[int]) -> list[BattleRecord | None]:
    found = {row["id"]: _battle(row) for row in await pool.fetch(_GET_BATTLES, ids)}
    return [found.get(battle_id) for battle_id in ids]


async def get_battle(pool: Any, battle_id: int) -> BattleRecord | None:
    return (await get_battles(pool, [battle_id]))[0]


_SET_REFS = "UPDATE battles SET thread_ref = $1, header_ref = $2 WHERE id = $3"
_SET_MANY_REFS = (
    "UPDATE battles AS b SET thread_ref = v.thread_ref, header_ref = v.header_ref"
    " FROM unnest($1::varchar[], $2::varchar[], $3::integer[]) AS v(thread_ref, header_ref, id) WHERE b.id = v.id"
)
RefArgs = tuple[str, str, int]  # thread_ref, header_ref, battle id


async def set_refs(pool: Any, args: RefArgs) -> None:
    await pool.execute(_SET_REFS, *args)


async def set_many_refs(pool: Any, batch: list[RefArgs]) -> list[None]:
    if len({args[2] for args in batch}) < len(batch):
        raise ValueError("one battle twice in a batch: which refs win is the order of the calls")
    await pool.execute(_SET_MANY_REFS, *(list(column) for column in zip(*batch, strict=True)))
    return [None] * len(batch)


_ADD_MESSAGES = (
    "INSERT INTO battle_messages (platform, message_ref, battle_id, kind)"
    " SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::integer[], $4::varchar[])"
    " ON CONFLICT (platform, message_ref) DO NOTHING"
)
MessageArgs = tuple[str, str, int, str]  # platform, message_ref, battle id, kind


async def add_messages(pool: Any, batch: list[MessageArgs]) -> list[None]:
    await pool.execute(_ADD_MESSAGES, *(list(column) for column in zip(*batch, strict=True)))
    return [None] * len(batch)


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
# Turns and their battles' turn counts in one statement: each count adds the new indexes to the
# stored ones (a statement does not see its own inserts).
_ADD_TURNS = (
    "WITH added AS (INSERT INTO turns ("
    + ", ".join(f'"{f}"' for f in _TURN_FIELDS)
    + ") SELECT * FROM unnest("
    + ", ".join(f"${k + 1}::{t}[]" for k, t in enumerate(_TURN_TYPES))
    + ') RETURNING battle_id, "index")'
    ' UPDATE battles AS b SET turn_count = (SELECT count(*) FROM (SELECT "index" FROM turns WHERE battle_id = b.id'
    ' UNION SELECT "index" FROM added WHERE added.battle_id = b.id) AS i) WHERE b.id IN (SELECT battle_id FROM added)'
)
TurnArgs = list[dict[str, Any]]  # the turn rows of one battle


async def add_turns(pool: Any, batch: list[TurnArgs]) -> list[None]:
    rows = [row for rows in batch for row in rows]
    for row in rows:
        _aware(row["created_at"])
    await pool.execute(_ADD_TURNS, *([row[f] for row in rows] for f in _TURN_FIELDS))
    return [None] * len(batch)


# Battles a member started in a scope since a time, for several members in one statement
# (the rate limit's count; an index on (scope_key, creator_ref, created_at) serves each).
_COUNT_RECENT = (
    "SELECT (SELECT count(*) FROM battles AS b WHERE b.scope_key = v.scope_key AND b.creator_ref = v.creator_ref"
    " AND b.created_at >= v.since) FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[])"
    " WITH ORDINALITY AS v(scope_key, creator_ref, since, k) ORDER BY v.k"
)
RecentArgs = tuple[str, str, datetime]  # scope key, creator ref, since


async def count_recent_many(pool: Any, batch: list[RecentArgs]) -> list[int]:
    for args in batch:
        _aware(args[2])
    rows = await pool.fetch(_COUNT_RECENT, *(list(column) for column in zip(*batch, strict=True)))
    return [int(row[0]) for row in rows]


async def count_recent(pool: Any, scope_key: str, creator_ref: str, since: datetime) -> int:
    return (await count_recent_many(pool, [(scope_key, creator_ref, since)]))[0]


# When members were first seen (recorded now if never before), for several in one statement.
# The outer read sees the table as it was when the statement began: a new member's time comes
# from the insert, a known one's from the table.
_FIRST_SEEN = (
    "WITH v AS (SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[])"
    " WITH ORDINALITY AS v(scope_key, user_ref, seen_at, k)),"
    " added AS (INSERT INTO first_seen (scope_key, user_ref, seen_at)"
    " SELECT DISTINCT ON (scope_key, user_ref) scope_key, user_ref, seen_at FROM v ORDER BY scope_key, user_ref, k"
    " ON CONFLICT (scope_key, user_ref) DO NOTHING RETURNING scope_key, user_ref, seen_at)"
    " SELECT coalesce(a.seen_at, f.seen_at) FROM v"
    " LEFT JOIN added AS a ON a.scope_key = v.scope_key AND a.user_ref = v.user_ref"
    " LEFT JOIN first_seen AS f ON f.scope_key = v.scope_key AND f.user_ref = v.user_ref ORDER BY v.k"
)
SeenArgs = tuple[str, str, datetime]  # scope key, user ref, now


async def first_seen_many(pool: Any, batch: list[SeenArgs]) -> list[datetime]:
    for args in batch:
        _aware(args[2])
    for _ in range(3):
        found = [row[0] for row in await pool.fetch(_FIRST_SEEN, *(list(column) for column in zip(*batch, strict=True)))]
        if all(seen is not None for seen in found):
            return found
        # Another process inserted one of them after this statement began (so neither the insert
        # nor the read saw it): it is committed now, and the next statement sees it.
    raise RuntimeError("first_seen: a member's first-seen time could not be read")


class Batchers:
    """The batched hot paths of one Store (see batching.py)."""

    def __init__(self, pool: Any, impatient: Any):
        async def vote(args: VoteArgs) -> VoteResult:
            return await record_vote(pool, args)

        async def votes(batch: list[VoteArgs]) -> list[VoteResult]:
            # With a lock_timeout: a batch that would queue behind a lock held by another
            # process's batch (one of its battles, a replayed event's claim) fails instead and is
            # sent again split by battle, so the votes on its other battles need not wait.
            return await record_votes(impatient, batch)

        async def refs(args: RefArgs) -> None:
            await set_refs(pool, args)

        async def many_refs(batch: list[RefArgs]) -> list[None]:
            return await set_many_refs(pool, batch)

        async def messages(batch: list[MessageArgs]) -> list[None]:
            return await add_messages(pool, batch)

        async def message(args: MessageArgs) -> None:
            await add_messages(pool, [args])

        async def turns(batch: list[TurnArgs]) -> list[None]:
            return await add_turns(pool, batch)

        async def turn(rows: TurnArgs) -> None:
            await add_turns(pool, [rows])

        async def battles(batch: list[dict[str, Any]]) -> list[int]:
            return await insert_battles(pool, batch)

        async def battle(values: dict[str, Any]) -> int:
            return await insert_battle(pool, values)

        async def reads(batch: list[int]) -> list[BattleRecord | None]:
            return await get_battles(pool, batch)

        async def read(battle_id: int) -> BattleRecord | None:
            return await get_battle(pool, battle_id)

        async def recent(batch: list[RecentArgs]) -> list[int]:
            return await count_recent_many(pool, batch)

        async def one_recent(args: RecentArgs) -> int:
            return await count_recent(pool, *args)

        async def seen_many(batch: list[SeenArgs]) -> list[datetime]:
            return await first_seen_many(pool, batch)

        async def seen(args: SeenArgs) -> datetime:
            return (await first_seen_many(pool, [args]))[0]

        self.votes: Batcher[VoteArgs, VoteResult] = Batcher(vote, votes, key=lambda args: args[0])
        self.first_seen: Batcher[SeenArgs, datetime] = Batcher(seen, seen_many)
        self.battles: Batcher[dict[str, Any], int] = Batcher(battle, battles)
        self.reads: Batcher[int, BattleRecord | None] = Batcher(read, reads)
        self.recent: Batcher[RecentArgs, int] = Batcher(one_recent, recent)
        self.refs: Batcher[RefArgs, None] = Batcher(refs, many_refs)
        self.messages: Batcher[MessageArgs, None] = Batcher(message, messages)
        self.turns: Batcher[TurnArgs, None] = Batcher(turn, turns)


# ---- board versions ----------------------------------------------------------------------------

_BOARD_CHANGES = BOARD_CHANGES_SQL.format("$1", "$2", "$3")


async def board_changes(pool: Any, scope_key: str, category: str, since: int) -> list[Any]:
    return list(await pool.fetch(_BOARD_CHANGES, scope_key, category, since))
