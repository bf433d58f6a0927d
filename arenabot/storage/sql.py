"""Table handles and the transaction steps several store operations share (sync, one Connection)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from arenabot.domain import BattleStatus, Outcome

from . import schema, tally
from .records import BattleRecord, ModelRecord
from .schema import UTCDateTime

battles: Table = schema.Battle.__table__  # type: ignore[assignment]
messages: Table = schema.BattleMessage.__table__  # type: ignore[assignment]
turns: Table = schema.Turn.__table__  # type: ignore[assignment]
votes: Table = schema.Vote.__table__  # type: ignore[assignment]
pairs: Table = schema.PairCountRow.__table__  # type: ignore[assignment]
patterns: Table = schema.BattlePatternRow.__table__  # type: ignore[assignment]
models: Table = schema.Model.__table__  # type: ignore[assignment]
bans: Table = schema.Ban.__table__  # type: ignore[assignment]
first_seen: Table = schema.FirstSeen.__table__  # type: ignore[assignment]
settings: Table = schema.ScopeSetting.__table__  # type: ignore[assignment]
events: Table = schema.ProcessedEvent.__table__  # type: ignore[assignment]


def insert(conn: Connection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT for this connection's database."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def battle_record(row: Any) -> BattleRecord:
    return BattleRecord(
        id=row.id,
        scope_key=row.scope_key,
        platform=row.platform,
        channel_ref=row.channel_ref,
        thread_ref=row.thread_ref,
        header_ref=row.header_ref,
        creator_ref=row.creator_ref,
        model_a=row.model_a,
        model_b=row.model_b,
        categories=list(row.categories or []),
        language=row.language,
        prompt=row.prompt,
        status=BattleStatus(row.status),
        identity_leak=bool(row.identity_leak),
        void_reason=row.void_reason,
        turns=row.turn_count,
        created_at=row.created_at,
        closes_at=row.closes_at,
        closed_at=row.closed_at,
        counted_votes=row.counted_votes,
        leaked_at=row.leaked_at,
        anony=bool(row.anony),
    )


def model_record(row: Any) -> ModelRecord:
    return ModelRecord(
        name=row.name,
        provider=row.provider,
        model_id=row.model_id,
        base_url=row.base_url,
        api_key_env=row.api_key_env,
        params=dict(row.params or {}),
        system_prompt=row.system_prompt,
        weight=row.weight,
        enabled=bool(row.enabled),
        identity_words=list(row.identity_words or []),
        vendor=row.vendor,
        limits=dict(row.limits) if row.limits else None,
        show_reasoning=bool(row.show_reasoning),
        source=row.source,
        targets=list(row.targets or []),
    )


def fetch_battle(conn: Connection, battle_id: int, lock: bool = False) -> BattleRecord | None:
    stmt = select(battles).where(battles.c.id == battle_id)
    if lock:
        stmt = stmt.with_for_update()  # PostgreSQL row lock; on SQLite BEGIN IMMEDIATE already serialises
    row = conn.execute(stmt).first()
    return battle_record(row) if row else None


# The two hot upserts as literal SQL (the same on SQLite and PostgreSQL): SQLAlchemy cannot cache
# the compiled form of its ON CONFLICT constructs, and compiling them on every vote was the
# largest cost of a vote.
_CLAIM_EVENT = text(
    "INSERT INTO processed_events (event_id, created_at) VALUES (:event_id, :created_at)"
    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
).bindparams(bindparam("created_at", type_=UTCDateTime()))
_ADD_TO_PAIR = text(
    "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
    " VALUES (:scope_key, :category, :model_a, :model_b, :wins_a, :wins_b, :ties, :both_bad)"
    " ON CONFLICT (scope_key, category, model_a, model_b) DO UPDATE SET"
    " wins_a = pair_counts.wins_a + excluded.wins_a, wins_b = pair_counts.wins_b + excluded.wins_b,"
    " ties = pair_counts.ties + excluded.ties, both_bad = pair_counts.both_bad + excluded.both_bad"
)
# A board scope's version, bumped before its pattern rows: the row lock orders every writer of
# the scope's patterns, so versions follow commit order (a board that saw version v has seen
# every row stamped <= v). The only hot-path cost of warm boards, and only at reveals.
BUMP_BOARD_VERSION_SQL = (
    "INSERT INTO board_versions (scope_key, version) VALUES ({}, 1)"
    " ON CONFLICT (scope_key) DO UPDATE SET version = board_versions.version + 1 RETURNING version"
)
BUMP_BOARD_VERSIONS_SQL = (
    "INSERT INTO board_versions (scope_key, version) VALUES {}"
    " ON CONFLICT (scope_key) DO UPDATE SET version = board_versions.version + 1 RETURNING scope_key, version"
)
# A board's version and its pattern rows stamped after a version, in one statement (one round
# trip, one snapshot): unchanged, it is the version alone (a row of NULLs after it).
BOARD_CHANGES_SQL = (
    "SELECT v.version, p.model_a, p.model_b, p.wins_a, p.wins_b, p.ties, p.both_bad, p.battles"
    " FROM (SELECT coalesce(max(version), 0) AS version FROM board_versions WHERE scope_key = {0}) AS v"
    " LEFT JOIN battle_patterns AS p ON p.scope_key = {0} AND p.category = {1} AND p.version > {2}"
)

ADD_TO_PATTERN_SQL = (
    "INSERT INTO battle_patterns (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles, version)"
    " VALUES ({}) ON CONFLICT (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
    " DO UPDATE SET battles = battle_patterns.battles + excluded.battles, version = excluded.version"
)
_ADD_TO_PATTERN = text(
    ADD_TO_PATTERN_SQL.format(":scope_key, :category, :model_a, :model_b, :wins_a, :wins_b, :ties, :both_bad, :battles, :version")
)


def claim_event(conn: Connection, event_id: str, now: datetime) -> bool:
    """True if this transaction is the first to see `event_id`. The key is unique, so a concurrent
    claimant blocks until we commit, then finds it taken (or takes it if we rolled back)."""
    return conn.execute(_CLAIM_EVENT, {"event_id": event_id, "created_at": now}).first() is not None


def apply_deltas(conn: Connection, rows: list[dict[str, object]]) -> None:
    """Atomic increments of pair counts (one upsert per row), rows already in key order so that
    concurrent writers lock them in the same order."""
    if rows:
        conn.execute(_ADD_TO_PAIR, rows)


def stamped(rows: list[dict[str, object]], bump: Callable[[str], int]) -> list[dict[str, object]]:
    """Pattern rows with their scope's new board version, each scope bumped once (`bump`), in
    key order like the rows themselves (the PostgreSQL vote function takes the same order)."""
    versions = {scope: bump(scope) for scope in sorted({str(r["scope_key"]) for r in rows})}
    return [{**r, "version": versions[str(r["scope_key"])]} for r in rows]


def apply_patterns(conn: Connection, rows: list[dict[str, object]]) -> None:
    """Atomic increments of battle-pattern counts, rows in key order (see `apply_deltas`), with
    their boards' versions bumped in the same transaction."""
    if not rows:
        return
    # Every scope's version in one statement (one round trip on PostgreSQL), rows in key order.
    scopes = sorted({str(r["scope_key"]) for r in rows})
    values = ", ".join(f"(:s{k}, 1)" for k in range(len(scopes)))
    bumped = conn.execute(text(BUMP_BOARD_VERSIONS_SQL.format(values)), {f"s{k}": scope for k, scope in enumerate(scopes)})
    versions = {scope: int(version) for scope, version in bumped}
    conn.execute(_ADD_TO_PATTERN, stamped(rows, versions.__getitem__))


COUNTED_OUTCOMES = (
    select(votes.c.outcome, func.count())
    .where(votes.c.battle_id == bindparam("battle_id"), votes.c.counted)
    .group_by(votes.c.outcome)
)
CLAIM_CLOSE = (
    update(battles)
    .where(battles.c.id == bindparam("battle_id"), battles.c.status == BattleStatus.OPEN.value)
    .values(status=BattleStatus.CLOSED.value, closed_at=bindparam("now", type_=UTCDateTime()))
)


def counted_outcomes(conn: Connection, battle_id: int) -> Counter[Outcome]:
    return Counter({Outcome(o): int(n) for o, n in conn.execute(COUNTED_OUTCOMES, {"battle_id": battle_id})})


def on_boards(battle: BattleRecord) -> bool:
    """Whether the battle's counted votes are in the pair counts: only once it is revealed."""
    return battle.status is BattleStatus.CLOSED


def uncount_votes(conn: Connection, battle: BattleRecord) -> None:
    """Stop a battle's counted votes counting (void, identity leak); `battle` as it was before,
    so a revealed battle's votes leave the pair counts exactly as they entered."""
    counted = counted_outcomes(conn, battle.id)
    if not counted:
        return
    if on_boards(battle):
        removal = {o: -n for o, n in counted.items()}
        scope = tally.board_scope(battle.scope_key, battle.anony)
        apply_deltas(conn, tally.vote_deltas(scope, battle.model_a, battle.model_b, battle.categories, removal))
        apply_patterns(conn, tally.pattern_deltas(scope, battle.model_a, battle.model_b, battle.categories, counted, -1))
    conn.execute(update(votes).where(and_(votes.c.battle_id == battle.id, votes.c.counted)).values(counted=False))
