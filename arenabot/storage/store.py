"""`Store`: every query arenabot makes, behind async methods that return frozen records.

Each method runs one transaction through `Database` (engine.py). Write transactions take SQLite's
write lock up front (BEGIN IMMEDIATE). On PostgreSQL a transaction that changes a battle's votes or
status first locks the battle row (SELECT ... FOR UPDATE); pair counts move by atomic increments in
key order, so concurrent writers never deadlock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import bindparam, case, delete, distinct, func, select, union, update
from sqlalchemy.engine import Connection

from arenabot.config import ModelSettings
from arenabot.domain import BattleStatus, Outcome, Side

from . import exchange, pg_fast, tally, voting
from .battle_io import battle_io
from .engine import AsyncDatabase, Database, TxFunction, open_database
from .migrate import ensure_schema
from .reach import CONNECT_FAILURES, unreachable
from .records import (
    BattleRecord,
    DuplicateModel,
    ImportReport,
    ModelRecord,
    ModelSync,
    NewBattle,
    PairCount,
    PatternCount,
    Stats,
    TurnRecord,
    VoteResult,
)
from .sql import (
    BOARD_CHANGES_SQL,
    apply_deltas,
    apply_patterns,
    bans,
    battle_record,
    battles,
    claim_event,
    counted_outcomes,
    fetch_battle,
    first_seen,
    insert,
    messages,
    model_record,
    models,
    on_boards,
    pairs,
    patterns,
    settings,
    turns,
    uncount_votes,
    votes,
)

_PAIR_COUNTS = (
    select(pairs.c.model_a, pairs.c.model_b, *(pairs.c[c] for c in tally.COLUMNS))
    .where(pairs.c.scope_key == bindparam("scope_key"), pairs.c.category == bindparam("category"))
    .order_by(pairs.c.model_a, pairs.c.model_b)
)
_BOARD_CHANGES = BOARD_CHANGES_SQL.format("?1", "?2", "?3")
_PATTERNS = (
    select(patterns.c.model_a, patterns.c.model_b, *(patterns.c[c] for c in tally.PATTERN_COLUMNS))
    .where(patterns.c.scope_key == bindparam("scope_key"), patterns.c.category == bindparam("category"))
    .order_by(patterns.c.model_a, patterns.c.model_b)
)
MESSAGE_KINDS = frozenset({"header", "a", "b", "ballot", "note"})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


# The registry's fields a model's settings decide (everything but its name, source and times).
MODEL_FIELDS = (
    "provider",
    "model_id",
    "base_url",
    "api_key_env",
    "params",
    "system_prompt",
    "weight",
    "enabled",
    "identity_words",
    "vendor",
    "limits",
    "show_reasoning",
)


def _model_values(settings: ModelSettings, now: datetime, source: str) -> dict[str, Any]:
    return {
        "name": settings.name,
        "provider": settings.provider,
        "model_id": settings.model_id,
        "base_url": settings.base_url,
        "api_key_env": settings.api_key_env,
        "params": dict(settings.params),
        "system_prompt": settings.system_prompt,
        "weight": settings.weight,
        "enabled": settings.enabled,
        "identity_words": list(settings.identity_words),
        "vendor": settings.vendor,
        "limits": settings.limits.model_dump(),
        "show_reasoning": settings.show_reasoning,
        "source": source,
        "targets": list(settings.targets),
        "created_at": now,
        "updated_at": now,
    }


class Store:
    def __init__(self, database: Database):
        self._db = database
        # PostgreSQL's hot paths go straight through asyncpg (pg_fast.py); None on SQLite.
        self._pg = database if isinstance(database, AsyncDatabase) else None
        self._batchers: pg_fast.Batchers | None = None

    @classmethod
    async def open(cls, url: str, upgrade: bool = True) -> Store:
        """Connect, then upgrade an older schema (or refuse a newer one with StorageError)."""
        database = open_database(url)
        try:
            await ensure_schema(database, upgrade=upgrade)
        except CONNECT_FAILURES as exc:
            await database.dispose()
            raise unreachable(url, exc) from exc
        except BaseException:
            await database.dispose()
            raise
        return cls(database)

    async def close(self) -> None:
        await self._db.dispose()

    async def _pg_batchers(self) -> pg_fast.Batchers:
        assert self._pg is not None
        if self._batchers is None:
            self._batchers = pg_fast.Batchers(await self._pg.pool(), await self._pg.impatient_pool())
        return self._batchers

    @property
    def dialect(self) -> str:
        return self._db.dialect

    async def run_read(self, fn: TxFunction[..., Any], *args: Any) -> Any:
        """Run `fn(connection, *args)` in a read transaction: for tests, benchmarks and tools."""
        return await self._db.read(fn, *args)

    async def run_write(self, fn: TxFunction[..., Any], *args: Any) -> Any:
        """Run `fn(connection, *args)` in a write transaction: for tests, benchmarks and tools."""
        return await self._db.write(fn, *args)

    # ---- models ---------------------------------------------------------------------------

    async def sync_models(self, configured: Sequence[ModelSettings]) -> ModelSync:
        """Make the registry follow the config file: its models are registered, or updated field by
        field from it (the file is their source); models added in chat are left alone, unless the
        file defines the same name, which the file then wins and the report names."""
        if not configured:
            return ModelSync()
        now = _now()
        wanted = {m.name: _model_values(m, now, "file") for m in configured}

        def tx(conn: Connection) -> ModelSync:
            report = ModelSync()
            found = {r.name: r for r in conn.execute(select(models).where(models.c.name.in_(list(wanted))))}
            for name, values in wanted.items():
                row = found.get(name)
                if row is None:
                    conn.execute(insert(conn, models).values(values))
                    report.added.append(name)
                    continue
                old = _model_values(model_record(row).to_settings(), now, "file")
                changed = {f: values[f] for f in MODEL_FIELDS if old[f] != values[f]}
                report.changes.extend(f"{name}: {f} {old[f]!r} -> {values[f]!r}" for f in changed)
                if row.source == "chat":
                    report.in_both.append(name)  # stays "chat": reported at every start until resolved
                elif row.source != "file":
                    changed["source"] = "file"
                if changed:
                    conn.execute(update(models).where(models.c.name == name).values(**changed, updated_at=now))
            return report

        return await self._db.write(tx)

    async def list_models(self) -> list[ModelRecord]:
        def tx(conn: Connection) -> list[ModelRecord]:
            return [model_record(r) for r in conn.execute(select(models).order_by(models.c.name))]

        return await self._db.read(tx)

    async def add_model(self, settings_: ModelSettings) -> None:
        def tx(conn: Connection) -> bool:
            stmt = (
                insert(conn, models)
                .values(_model_values(settings_, _now(), "chat"))
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(models.c.name)
            )
            return conn.execute(stmt).first() is not None

        if not await self._db.write(tx):
            raise DuplicateModel(f"a model named {settings_.name!r} already exists; pick another name or update it")

    async def update_model(
        self, name: str, *, enabled: bool | None = None, weight: float | None = None, targets: Sequence[str] | None = None
    ) -> bool:
        values: dict[str, Any] = {"updated_at": _now()}
        if targets is not None:
            values["targets"] = list(targets)
        if enabled is not None:
            values["enabled"] = enabled
        if weight is not None:
            if weight < 0:
                raise ValueError(f"weight {weight} is negative; use 0 to stop sampling a model")
            values["weight"] = weight

        def tx(conn: Connection) -> bool:
            return conn.execute(update(models).where(models.c.name == name).values(values)).rowcount == 1

        return await self._db.write(tx)

    # ---- battles --------------------------------------------------------------------------

    async def count_recent_battles(self, scope_key: str, creator_ref: str, since: datetime) -> int:
        if self._pg is not None:
            return await (await self._pg_batchers()).recent.submit((scope_key, creator_ref, since))
        return await self._db.read(lambda conn: battle_io(conn).count_recent(scope_key, creator_ref, since))

    async def create_battle(self, new: NewBattle) -> BattleRecord:
        if new.model_a == new.model_b:
            raise ValueError(f"a battle needs two different models, got {new.model_a!r} twice")
        values = {
            "scope_key": new.scope_key,
            "platform": new.platform,
            "channel_ref": new.channel_ref,
            "thread_ref": None,
            "header_ref": None,
            "creator_ref": new.creator_ref,
            "model_a": new.model_a,
            "model_b": new.model_b,
            "categories": _unique(new.categories),
            "language": new.language,
            "prompt": new.prompt,
            "status": BattleStatus.OPEN.value,
            "identity_leak": False,
            "void_reason": None,
            "turn_count": 0,
            "counted_votes": 0,
            "created_at": new.created_at,
            "closes_at": new.closes_at,
            "closed_at": None,
            "leaked_at": None,
            "anony": new.anony,
            "upstream": None,
        }
        if self._pg is not None:
            battle_id = await (await self._pg_batchers()).battles.submit(values)
        else:
            battle_id = await self._db.write(lambda conn: battle_io(conn).insert_battle(values))
        return battle_record(SimpleNamespace(**values, id=battle_id))

    async def set_battle_refs(self, battle_id: int, thread_ref: str, header_ref: str) -> None:
        if self._pg is not None:
            return await (await self._pg_batchers()).refs.submit((thread_ref, header_ref, battle_id))
        await self._db.write(lambda conn: battle_io(conn).set_refs(battle_id, thread_ref, header_ref))

    async def add_message_ref(self, battle_id: int, platform: str, message_ref: str, kind: str) -> None:
        """Remember a battle message reactions may land on. Registering it again is harmless."""
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"message kind {kind!r} is not one of {sorted(MESSAGE_KINDS)}")
        if self._pg is not None:
            return await (await self._pg_batchers()).messages.submit((platform, message_ref, battle_id, kind))
        await self._db.write(lambda conn: battle_io(conn).add_message(platform, message_ref, battle_id, kind))

    async def get_battle(self, battle_id: int) -> BattleRecord | None:
        if self._pg is not None:
            return await (await self._pg_batchers()).reads.submit(battle_id)
        return await self._db.read(fetch_battle, battle_id)

    async def battle_by_message(self, platform: str, message_ref: str) -> BattleRecord | None:
        stmt = (
            select(battles)
            .join(messages, messages.c.battle_id == battles.c.id)
            .where(messages.c.platform == platform, messages.c.message_ref == message_ref)
        )
        return await self._db.read(self._one_battle, stmt)

    async def battle_by_thread(self, platform: str, thread_ref: str) -> BattleRecord | None:
        stmt = (
            select(battles)
            .where(battles.c.platform == platform, battles.c.thread_ref == thread_ref)
            .order_by(battles.c.id.desc())
            .limit(1)
        )
        return await self._db.read(self._one_battle, stmt)

    @staticmethod
    def _one_battle(conn: Connection, stmt: Any) -> BattleRecord | None:
        row = conn.execute(stmt).first()
        return battle_record(row) if row else None

    async def add_turn(self, turn: TurnRecord) -> None:
        await self.add_turns([turn])

    async def add_turns(self, records: Sequence[TurnRecord]) -> None:
        """Both sides of a turn in one transaction (one battle); keeps the battle's turn count."""
        if not records:
            return
        battle_id = records[0].battle_id
        if any(r.battle_id != battle_id for r in records):
            raise ValueError("add_turns takes the turns of one battle")
        now = _now()
        rows = [
            {**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)}, "side": Side(r.side).value, "created_at": now}
            for r in records
        ]
        if self._pg is not None:
            return await (await self._pg_batchers()).turns.submit(rows)
        await self._db.write(lambda conn: battle_io(conn).add_turns(battle_id, rows))

    async def turns(self, battle_id: int) -> list[TurnRecord]:
        stmt = select(turns).where(turns.c.battle_id == battle_id).order_by(turns.c.index, turns.c.side)
        names = [f.name for f in dataclasses.fields(TurnRecord)]

        def tx(conn: Connection) -> list[TurnRecord]:
            return [
                TurnRecord(**cast(dict[str, Any], {n: (Side(r.side) if n == "side" else getattr(r, n)) for n in names}))
                for r in conn.execute(stmt)
            ]

        return await self._db.read(tx)

    async def add_categories(self, battle_id: int, categories: Iterable[str]) -> None:
        """Tag a battle with more categories; its counted votes join those categories' counts."""
        wanted = _unique(categories)

        def tx(conn: Connection) -> None:
            battle = fetch_battle(conn, battle_id, lock=True)
            if battle is None:
                raise LookupError(f"no battle with id {battle_id}")
            added = [c for c in wanted if c not in battle.categories]
            if not added:
                return
            conn.execute(update(battles).where(battles.c.id == battle_id).values(categories=battle.categories + added))
            if not on_boards(battle):
                return  # an open battle's votes reach the pair counts (all its categories) at the reveal
            counted = counted_outcomes(conn, battle_id)
            scope = tally.board_scope(battle.scope_key, battle.anony)
            rows = tally.vote_deltas(scope, battle.model_a, battle.model_b, added, counted)
            apply_deltas(conn, [r for r in rows if r["category"] != tally.OVERALL])
            shapes = tally.pattern_deltas(scope, battle.model_a, battle.model_b, added, counted, 1)
            apply_patterns(conn, [r for r in shapes if r["category"] != tally.OVERALL])

        await self._db.write(tx)

    async def flag_identity_leak(self, battle_id: int) -> bool:
        """Mark the battle as naming a model; True if newly flagged. Its votes stop counting."""

        def tx(conn: Connection) -> bool:
            battle = fetch_battle(conn, battle_id, lock=True)
            if battle is None or battle.identity_leak:
                return False
            conn.execute(update(battles).where(battles.c.id == battle_id).values(identity_leak=True, counted_votes=0))
            uncount_votes(conn, battle)
            return True

        return await self._db.write(tx)

    async def flag_thread_leak(self, battle_id: int, at: datetime) -> bool:
        """A thread message named one of the battle's models at `at`: votes cast from then on do
        not count (earlier ones still do). True if newly flagged, only while the battle is open."""
        stmt = (
            update(battles)
            .where(battles.c.id == battle_id, battles.c.status == BattleStatus.OPEN.value, battles.c.leaked_at.is_(None))
            .values(leaked_at=at)
        )
        return await self._db.write(lambda conn: conn.execute(stmt).rowcount == 1)

    async def void_battle(self, battle_id: int, reason: str) -> bool:
        """Void an open or closed battle; True if it changed. Its votes stop counting."""

        def tx(conn: Connection) -> bool:
            battle = fetch_battle(conn, battle_id, lock=True)
            if battle is None or battle.status is BattleStatus.VOID:
                return False
            conn.execute(
                update(battles)
                .where(battles.c.id == battle_id)
                .values(status=BattleStatus.VOID.value, void_reason=reason, counted_votes=0)
            )
            uncount_votes(conn, battle)
            return True

        return await self._db.write(tx)

    async def close_battle(self, battle_id: int, now: datetime) -> bool:
        """Claim the reveal: True for exactly one caller across all processes. The battle's counted
        votes join the pair counts (boards, stats, exports) in the same transaction."""

        return await self._db.write(voting.close_battle, battle_id, now)

    async def expired_open_battles(self, platform: str, now: datetime) -> list[BattleRecord]:
        stmt = (
            select(battles)
            .where(battles.c.status == BattleStatus.OPEN.value, battles.c.closes_at <= now, battles.c.platform == platform)
            .order_by(battles.c.closes_at, battles.c.id)
        )
        return await self._db.read(lambda conn: [battle_record(r) for r in conn.execute(stmt)])

    # ---- votes ----------------------------------------------------------------------------

    async def record_vote(
        self,
        battle_id: int,
        voter_ref: str,
        outcome: Outcome | None,
        *,
        event_id: str | None,
        now: datetime,
        only_if: Outcome | None = None,
        reveals_names: bool = False,
        close_after: int = 0,
    ) -> VoteResult:
        """Cast, change or (outcome None) withdraw a vote; `VoteResult.status` says what happened.

        `only_if` (withdrawals): withdraw only if that is the voter's current vote, so removing a
        stale reaction after a change leaves the new vote alone (status "unchanged").

        The event id is claimed in the same transaction, so a replayed platform event has exactly
        one effect, also when two processes receive it at once. Raises LookupError for an
        unknown battle (and then the event id stays unclaimed).

        `reveals_names`: the caller tells the voter both names after a new vote (status
        "counted"), so the store marks that voter's vote final. `close_after` (0 = off): the vote
        that brings the battle to that many counted votes closes it in the same transaction
        (`VoteResult.closed`), so no process ever counts one more.
        """
        outcome = Outcome(outcome) if outcome is not None else None
        only_if = Outcome(only_if) if only_if is not None else None
        if self._pg is not None:  # one round trip: the same transaction as a server-side function
            args = pg_fast.vote_args(battle_id, voter_ref, outcome, event_id, now, only_if, reveals_names, close_after)
            return await (await self._pg_batchers()).votes.submit(args)
        return await self._db.write(
            voting.record_vote, battle_id, voter_ref, outcome, event_id, now, only_if, reveals_names, close_after
        )

    async def counted_votes(self, battle_id: int) -> int:
        stmt = select(battles.c.counted_votes).where(battles.c.id == battle_id)
        return await self._db.read(lambda conn: int(conn.execute(stmt).scalar_one_or_none() or 0))

    async def has_votes(self, battle_id: int) -> bool:
        """Any standing vote, counted or not (a leaked battle's votes never count)."""
        stmt = select(votes.c.id).where(votes.c.battle_id == battle_id, votes.c.outcome.is_not(None)).limit(1)
        return await self._db.read(lambda conn: conn.execute(stmt).first() is not None)

    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """True the first time `event_id` is seen (in any process): a replayed platform event is
        told apart from a new one, e.g. so a replayed "new round" click starts no second battle."""
        return await self._db.write(lambda conn: claim_event(conn, event_id, now))

    async def has_voted(self, battle_id: int, voter_ref: str) -> bool:
        """Whether this member has a standing vote on the battle (counted or not)."""
        stmt = select(votes.c.id).where(
            votes.c.battle_id == battle_id, votes.c.voter_ref == voter_ref, votes.c.outcome.is_not(None)
        )
        return await self._db.read(lambda conn: conn.execute(stmt).first() is not None)

    # ---- leaderboard input ----------------------------------------------------------------

    async def pair_counts(self, scope_key: str | None, category: str | None, mode: str = "anonymous") -> list[PairCount]:
        """Aggregated outcomes per pair (model_a < model_b); scope None = global (every scope);
        mode "anonymous" (blind battles) or "named" (side-by-side battles).

        One primary-key range read: global totals are kept as their own scope ("*")."""
        params = {"scope_key": tally.read_scope(scope_key, mode), "category": category or tally.OVERALL}

        def tx(conn: Connection) -> list[PairCount]:
            return [PairCount._make(r) for r in conn.execute(_PAIR_COUNTS, params) if any(r[2:])]

        return await self._db.read(tx)

    async def battle_patterns(self, scope_key: str | None, category: str | None, mode: str = "anonymous") -> list[PatternCount]:
        """Revealed battles per pair (model_a < model_b) and pattern of counted votes; scope None =
        global; mode as for pair_counts. What boards need for intervals clustered by battle (one
        range read, as above)."""
        params = {"scope_key": tally.read_scope(scope_key, mode), "category": category or tally.OVERALL}

        def tx(conn: Connection) -> list[PatternCount]:
            return [PatternCount._make(r) for r in conn.execute(_PATTERNS, params) if r[-1] > 0]

        return await self._db.read(tx)

    async def category_counts(self, scope_key: str | None, mode: str = "anonymous") -> dict[str, int]:
        """Revealed battles per category (overall under ""), from the battle patterns: what the
        boards hold, so an open battle's category is never counted before its reveal."""
        stmt = (
            select(patterns.c.category, func.sum(patterns.c.battles))
            .where(patterns.c.scope_key == tally.read_scope(scope_key, mode))
            .group_by(patterns.c.category)
        )
        return await self._db.read(lambda conn: {r[0]: int(r[1]) for r in conn.execute(stmt) if r[1]})

    async def board_changes(
        self, scope_key: str | None, category: str | None, mode: str, since: int
    ) -> tuple[int, list[PatternCount]]:
        """The board's version and its pattern rows changed after version `since` (-1: all of
        them), with their current totals (a row that lost its last battle comes with `battles`
        0); one statement, so one snapshot. The version grows with every committed change of
        the board's patterns in any category, and only then; it is 0 before the first."""
        params = (tally.read_scope(scope_key, mode), category or tally.OVERALL, since)
        found: Sequence[Any]
        if self._pg is not None:
            found = await pg_fast.board_changes(await self._pg.pool(), *params)
        else:
            # A cold board reads every row: off the event loop. A warm one reads what changed.
            if since < 0:
                found = await self._db.read(lambda conn: list(conn.exec_driver_sql(_BOARD_CHANGES, params)))
            else:
                found = await self._db.quick_read(_BOARD_CHANGES, params)
        return int(found[0][0]), [PatternCount._make(r[1:]) for r in found if r[1] is not None]

    # ---- voter quality ----------------------------------------------------------------------

    async def first_seen(self, scope_key: str, user_ref: str, now: datetime) -> datetime:
        """When the bot first saw this user here (recorded now if never before)."""
        if self._pg is not None:
            return await (await self._pg_batchers()).first_seen.submit((scope_key, user_ref, now))

        def tx(conn: Connection) -> datetime:
            conn.execute(
                insert(conn, first_seen)
                .values(scope_key=scope_key, user_ref=user_ref, seen_at=now)
                .on_conflict_do_nothing(index_elements=["scope_key", "user_ref"])
            )
            stmt = select(first_seen.c.seen_at).where(first_seen.c.scope_key == scope_key, first_seen.c.user_ref == user_ref)
            return conn.execute(stmt).scalar_one()

        return await self._db.write(tx)

    async def votes_elsewhere_since(self, scope_key: str, voter_ref: str, since: datetime, battle_id: int) -> int:
        """Votes this voter cast here since `since` on battles other than `battle_id` (daily caps)."""
        stmt = (
            select(func.count())
            .select_from(votes.join(battles, battles.c.id == votes.c.battle_id))
            .where(
                battles.c.scope_key == scope_key,
                votes.c.voter_ref == voter_ref,
                votes.c.created_at >= since,
                votes.c.battle_id != battle_id,
            )
        )
        return await self._db.read(lambda conn: int(conn.execute(stmt).scalar_one()))

    async def revealed_votes(self, scope_key: str) -> list[tuple[int, str, str, str, list[str], str]]:
        """(battle id, voter, model_a, model_b, categories, outcome) of every counted vote of the
        scope's revealed battles: what the boards hold, vote by vote (voter quality)."""
        stmt = (
            select(battles.c.id, votes.c.voter_ref, battles.c.model_a, battles.c.model_b, battles.c.categories, votes.c.outcome)
            .select_from(votes.join(battles, battles.c.id == votes.c.battle_id))
            .where(battles.c.scope_key == scope_key, battles.c.status == BattleStatus.CLOSED.value, votes.c.counted)
            .order_by(battles.c.id, votes.c.voter_ref)
        )
        return await self._db.read(lambda conn: [(r[0], r[1], r[2], r[3], list(r[4] or []), r[5]) for r in conn.execute(stmt)])

    # ---- bans and settings ----------------------------------------------------------------

    async def ban(self, scope_key: str, user_ref: str, by_ref: str, reason: str) -> bool:
        def tx(conn: Connection) -> bool:
            stmt = (
                insert(conn, bans)
                .values(scope_key=scope_key, user_ref=user_ref, by_ref=by_ref, reason=reason, created_at=_now())
                .on_conflict_do_nothing(index_elements=["scope_key", "user_ref"])
                .returning(bans.c.user_ref)
            )
            return conn.execute(stmt).first() is not None

        return await self._db.write(tx)

    async def unban(self, scope_key: str, user_ref: str) -> bool:
        stmt = delete(bans).where(bans.c.scope_key == scope_key, bans.c.user_ref == user_ref)
        return await self._db.write(lambda conn: conn.execute(stmt).rowcount == 1)

    async def is_banned(self, scope_key: str, user_ref: str) -> bool:
        stmt = select(bans.c.user_ref).where(bans.c.scope_key == scope_key, bans.c.user_ref == user_ref)
        return await self._db.read(lambda conn: conn.execute(stmt).first() is not None)

    async def banned_members(self, scope_key: str) -> list[str]:
        """Every member banned in the scope (the state caches them per scope)."""
        stmt = select(bans.c.user_ref).where(bans.c.scope_key == scope_key)
        return await self._db.read(lambda conn: [r[0] for r in conn.execute(stmt)])

    async def get_settings(self, scope_key: str) -> dict[str, str]:
        stmt = select(settings.c.key, settings.c.value).where(settings.c.scope_key == scope_key)
        return await self._db.read(lambda conn: {k: v for k, v in conn.execute(stmt)})

    async def set_setting(self, scope_key: str, key: str, value: str) -> None:
        def tx(conn: Connection) -> None:
            stmt = insert(conn, settings).values(scope_key=scope_key, key=key, value=value, updated_at=_now())
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["scope_key", "key"],
                    set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
                )
            )

        await self._db.write(tx)

    # ---- stats ----------------------------------------------------------------------------

    async def stats(self, scope_key: str | None) -> Stats:
        """Counts for /stats. `models` = distinct models that appeared in a battle of the scope.

        Votes, voters and models come from battles that are no longer open only: an open
        battle's votes and models stay out of every view until its reveal."""
        in_scope = [battles.c.scope_key == scope_key] if scope_key is not None else []
        revealed = [*in_scope, battles.c.status != BattleStatus.OPEN.value]

        def counting(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        battle_stmt = select(
            func.count(),
            counting(battles.c.status == BattleStatus.OPEN.value),
            counting(battles.c.status == BattleStatus.VOID.value),
            counting(battles.c.identity_leak),
        ).where(*in_scope)
        vote_stmt = (
            select(func.count(), counting(votes.c.counted), func.count(distinct(votes.c.voter_ref)))
            .select_from(votes.join(battles, battles.c.id == votes.c.battle_id))
            .where(votes.c.outcome.is_not(None), *revealed)
        )
        names = union(
            select(battles.c.model_a.label("name")).where(*revealed),
            select(battles.c.model_b.label("name")).where(*revealed),
        ).subquery()
        model_stmt = select(func.count()).select_from(names)

        def tx(conn: Connection) -> Stats:
            b = conn.execute(battle_stmt).one()
            v = conn.execute(vote_stmt).one()
            m = conn.execute(model_stmt).scalar_one()
            return Stats(int(b[0]), int(b[1]), int(b[2]), int(b[3]), int(v[0]), int(v[1]), int(v[2]), int(m))

        return await self._db.read(tx)

    # ---- interop: Chatbot Arena clean_battle records --------------------------------------

    async def export_clean_battles(self, scope_key: str | None, with_conversations: bool = False) -> list[dict[str, Any]]:
        """One record per blind vote on a revealed battle; voters appear as keyed pseudonyms."""
        return await self._db.write(exchange.export_clean_battles, scope_key, with_conversations)

    async def style_votes(self, scope_key: str | None, mode: str = "anonymous") -> list[tuple]:
        """Counted votes of revealed battles with each battle's style features (see
        exchange.style_votes): what a style-controlled board rates."""
        return await self._db.read(exchange.style_votes, scope_key, mode != "named")

    async def import_clean_battles(self, records: Sequence[Any], scope_key: str, now: datetime) -> ImportReport:
        """Each record becomes a closed battle with one counted vote (not counted if anony is
        false); importing the same records again imports nothing; bad records are reported."""
        return await self._db.write(exchange.import_clean_battles, list(records), scope_key, now)
