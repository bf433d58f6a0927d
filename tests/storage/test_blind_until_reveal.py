"""Issue 10 in the store, on SQLite and PostgreSQL: pair counts move at the reveal only, votes are
final once their voter saw the names, thread leaks, close_after_votes in the vote transaction,
and migration 0004 taking open battles' votes off the boards."""
from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta

from alembic import command
from sqlalchemy import text

from arenabot.domain import BattleStatus, Outcome
from arenabot.storage import PairCount, PatternCount, Store
from arenabot.storage.engine import open_database
from arenabot.storage.migrate import alembic_config

from .factories import T0, battle, new_battle
from .recount import assert_consistent


async def _vote(store: Store, battle_id: int, voter: str, outcome: Outcome | None, **kw):  # type: ignore[no-untyped-def]
    return await store.record_vote(battle_id, voter, outcome, event_id=None, now=T0, **kw)


async def _vote_rows(store: Store, battle_id: int) -> list[tuple]:
    found = await store.run_read(
        lambda c: c.execute(
            text("SELECT voter_ref, outcome, blind, counted, names_seen_at IS NOT NULL, unblind_outcome FROM votes"
                 " WHERE battle_id = :b ORDER BY voter_ref"),
            {"b": battle_id},
        ).all()
    )
    return [(r[0], r[1], bool(r[2]), bool(r[3]), bool(r[4]), r[5]) for r in found]


async def test_a_vote_followed_by_the_names_is_final(store: Store) -> None:
    b = await battle(store)
    assert (await _vote(store, b.id, "u1", Outcome.A, reveals_names=True)).status == "counted"
    changed = await _vote(store, b.id, "u1", Outcome.B, reveals_names=True)
    assert (changed.status, changed.why, changed.repeat, changed.previous) == ("final", "names_seen", False, Outcome.A)
    withdrawn = await _vote(store, b.id, "u1", None)
    assert (withdrawn.status, withdrawn.repeat) == ("final", True)
    assert await _vote_rows(store, b.id) == [("u1", "a", True, True, True, "")]
    # Without the reveal a voter may still change their mind.
    await _vote(store, b.id, "u2", Outcome.A)
    assert (await _vote(store, b.id, "u2", Outcome.TIE)).status == "changed"
    assert (await store.get_battle(b.id)).counted_votes == 2  # type: ignore[union-attr]
    await assert_consistent(store)
    assert await store.close_battle(b.id, T0)
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1, ties=1)]
    await assert_consistent(store)


async def test_votes_after_a_thread_leak_do_not_count(store: Store) -> None:
    b = await battle(store)
    await _vote(store, b.id, "early", Outcome.A)
    assert await store.flag_thread_leak(b.id, T0 + timedelta(minutes=1))
    assert not await store.flag_thread_leak(b.id, T0 + timedelta(minutes=2))  # the first time stands
    late = await _vote(store, b.id, "late", Outcome.B)
    assert (late.status, late.battle.counted_votes) == ("counted", 1)
    assert late.battle.leaked_at == T0 + timedelta(minutes=1)
    frozen = await _vote(store, b.id, "early", Outcome.B)
    assert (frozen.status, frozen.why) == ("final", "thread_leak")
    assert await _vote_rows(store, b.id) == [("early", "a", True, True, False, "b"), ("late", "b", False, False, False, None)]
    assert await store.close_battle(b.id, T0)
    assert not await store.flag_thread_leak(b.id, T0)  # revealed: nothing left to protect
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1)]
    [record] = await store.export_clean_battles(None)
    assert record["winner"] == "model_a" and record["thread_leak"] == (T0 + timedelta(minutes=1)).timestamp()
    await assert_consistent(store)


async def test_the_vote_reaching_close_after_votes_closes_the_battle(store: Store) -> None:
    b = await battle(store, categories=["math"])
    for voter in ("u1", "u2"):
        assert not (await _vote(store, b.id, voter, Outcome.A, close_after=3)).closed
    assert await store.pair_counts(None, None) == []
    third = await _vote(store, b.id, "u3", Outcome.B, close_after=3)
    assert third.closed and third.battle.status is BattleStatus.CLOSED and third.battle.counted_votes == 3
    assert (await _vote(store, b.id, "u4", Outcome.B, close_after=3)).status == "late"
    assert await store.pair_counts(None, "math") == [PairCount("alpha", "beta", wins_a=2, wins_b=1)]
    assert not await store.close_battle(b.id, T0)  # already revealed: nothing moves twice
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=2, wins_b=1)]
    await assert_consistent(store)


async def test_concurrent_votes_never_pass_the_threshold(store: Store) -> None:
    b = await battle(store)
    results = await asyncio.gather(*(_vote(store, b.id, f"u{k}", Outcome.A, close_after=3) for k in range(12)))
    assert sum(r.closed for r in results) == 1
    assert sum(r.status == "counted" for r in results) == 3
    assert (await store.get_battle(b.id)).counted_votes == 3  # type: ignore[union-attr]
    assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=3)]
    await assert_consistent(store)


async def test_migration_0004_takes_open_battles_off_the_boards(db_url: str) -> None:
    """A 0003 database whose pair counts include an open battle's votes (the old rule)."""
    database = open_database(db_url)
    await database.write(lambda conn: command.upgrade(alembic_config(conn), "0003"))

    def old_data(conn) -> None:  # type: ignore[no-untyped-def]
        battle_sql = (
            "INSERT INTO battles (id, scope_key, platform, channel_ref, creator_ref, model_a, model_b, categories, language,"
            " prompt, status, identity_leak, turn_count, counted_votes, created_at, closes_at, closed_at)"
            " VALUES (:id, 'discord:g', 'discord', 'c', 'u', :a, :b, :cats, 'en', 'p', :status, false, 1, :n, :t, :t, NULL)"
        )
        conn.execute(text(battle_sql), [
            {"id": 1, "a": "beta", "b": "alpha", "cats": json.dumps(["math"]), "status": "open", "n": 2, "t": T0},
            {"id": 2, "a": "alpha", "b": "beta", "cats": json.dumps([]), "status": "closed", "n": 1, "t": T0},
        ])
        conn.execute(text(
            "INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at)"
            " VALUES (:b, :v, :o, true, true, :t, :t)"
        ), [{"b": 1, "v": "u1", "o": "a", "t": T0}, {"b": 1, "v": "u2", "o": "tie", "t": T0}, {"b": 2, "v": "u1", "o": "a", "t": T0}])
        # What the old vote path had stored: battle 1 (beta wins once, one tie) plus battle 2.
        rows = [
            (scope, cat, wins_a, wins_b, ties)
            for scope in ("discord:g", "*")
            for cat, wins_a, wins_b, ties in (("", 1, 1, 1), ("math", 0, 1, 1))
        ]
        conn.execute(text(
            "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
            " VALUES (:s, :c, 'alpha', 'beta', :wa, :wb, :t, 0)"
        ), [{"s": s, "c": c, "wa": wa, "wb": wb, "t": t} for s, c, wa, wb, t in rows])

    await database.write(old_data)
    await database.dispose()
    store = await Store.open(db_url)
    try:
        assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1)]
        assert await store.pair_counts("discord:g", "math") == []
        await assert_consistent(store)
        assert await store.close_battle(1, T0)  # the reveal puts them back, under the new rule
        assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", wins_a=1, wins_b=1, ties=1)]
        await assert_consistent(store)
    finally:
        await store.close()


async def test_a_named_battle_closed_by_a_vote_counts_on_the_named_boards_only(store: Store) -> None:
    # On PostgreSQL the vote is the server-side function: it must follow voting.py (board_scope,
    # battle patterns at the close, the final-after-the-names rule for anonymous battles only).
    named = await store.create_battle(dataclasses.replace(new_battle("beta", "alpha", categories=["math"]), anony=False))
    assert (await _vote(store, named.id, "u1", Outcome.A, reveals_names=True, close_after=3)).status == "counted"
    assert (await _vote(store, named.id, "u1", Outcome.B, reveals_names=True, close_after=3)).status == "changed"
    await _vote(store, named.id, "u2", Outcome.B, close_after=3)
    assert (await _vote(store, named.id, "u3", Outcome.TIE, close_after=3)).closed
    for scope in (None, "discord:guild1"):
        assert await store.pair_counts(scope, None) == []
        assert await store.battle_patterns(scope, "math") == []
        assert await store.pair_counts(scope, "math", mode="named") == [PairCount("alpha", "beta", wins_a=2, ties=1)]
        assert await store.battle_patterns(scope, None, mode="named") == [PatternCount("alpha", "beta", 2, 0, 1, 0, 1)]
