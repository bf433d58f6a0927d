"""Battle patterns (issue 11): revealed battles per pair and pattern of counted votes, kept with
the pair counts at the reveal, moved back by a void, filled by imports and by migration 0005."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from arenabot.domain import Outcome
from arenabot.storage import PatternCount, Store
from arenabot.storage.engine import open_database
from arenabot.storage.migrate import alembic_config

from .factories import T0, battle
from .recount import assert_consistent


async def _votes(store: Store, battle_id: int, *outcomes: Outcome) -> None:
    for k, outcome in enumerate(outcomes):
        await store.record_vote(battle_id, f"u{k}", outcome, event_id=None, now=T0)


async def test_the_reveal_adds_one_battle_of_its_pattern_and_a_void_takes_it_back(store: Store) -> None:
    # model_b sorts first here, so the pattern is seen from beta's side: the sides swap.
    first = await battle(store, "beta", "alpha", categories=["math"])
    await _votes(store, first.id, Outcome.A, Outcome.A, Outcome.TIE)
    assert await store.battle_patterns(None, None) == []  # nothing moves while the battle is open
    assert await store.close_battle(first.id, T0)
    second = await battle(store, "alpha", "beta")
    await _votes(store, second.id, Outcome.B, Outcome.B, Outcome.TIE)  # the same pattern, as alpha-beta
    assert await store.close_battle(second.id, T0)
    expected = [PatternCount("alpha", "beta", 0, 2, 1, 0, 2)]
    assert await store.battle_patterns(None, None) == expected
    assert await store.battle_patterns(first.scope_key, None) == expected
    assert await store.battle_patterns(first.scope_key, "math") == [PatternCount("alpha", "beta", 0, 2, 1, 0, 1)]
    await assert_consistent(store)
    assert await store.void_battle(first.id, "spam")
    assert await store.battle_patterns(None, None) == [PatternCount("alpha", "beta", 0, 2, 1, 0, 1)]
    assert await store.battle_patterns(first.scope_key, "math") == []
    await assert_consistent(store)


async def test_categories_added_after_the_reveal_get_the_pattern(store: Store) -> None:
    b = await battle(store)
    await _votes(store, b.id, Outcome.A, Outcome.B)
    assert await store.close_battle(b.id, T0)
    await store.add_categories(b.id, ["coding"])
    assert await store.battle_patterns(b.scope_key, "coding") == [PatternCount("alpha", "beta", 1, 1, 0, 0, 1)]
    await assert_consistent(store)


async def test_imports_are_battles_of_one_vote(store: Store) -> None:
    good = {"model_a": "b", "model_b": "a", "winner": "model_a", "tstamp": 1700000000.5, "anony": True}
    records = [good, {**good, "judge": "j2"}, {**good, "judge": "j3", "winner": "tie"}, {**good, "judge": "j4", "anony": False}]
    report = await store.import_clean_battles(records, "import:test", T0)
    assert report.imported == 4
    assert await store.battle_patterns("import:test", None) == [
        PatternCount("a", "b", 0, 0, 1, 0, 1),
        PatternCount("a", "b", 0, 1, 0, 0, 2),
    ]
    await assert_consistent(store)


async def test_migration_0005_fills_the_patterns_of_revealed_battles(db_url: str) -> None:
    database = open_database(db_url)
    await database.write(lambda conn: command.upgrade(alembic_config(conn), "0004"))

    def old_data(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(
            text(
                "INSERT INTO battles (id, scope_key, platform, channel_ref, creator_ref, model_a, model_b, categories,"
                " language, prompt, status, identity_leak, turn_count, counted_votes, created_at, closes_at, closed_at)"
                " VALUES (:id, 'discord:g', 'discord', 'c', 'u', 'beta', 'alpha', :cats, 'en', 'p', :status, false, 1, 2,"
                " :t, :t, NULL)"
            ),
            [
                {"id": 1, "cats": json.dumps(["math"]), "status": "closed", "t": T0},
                {"id": 2, "cats": json.dumps([]), "status": "open", "t": T0},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO votes (battle_id, voter_ref, outcome, blind, counted, created_at, updated_at)"
                " VALUES (:b, :v, :o, true, true, :t, :t)"
            ),
            [{"b": b, "v": v, "o": o, "t": T0} for b in (1, 2) for v, o in (("u1", "a"), ("u2", "both_bad"))],
        )
        conn.execute(
            text(
                "INSERT INTO pair_counts (scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad)"
                " VALUES (:s, :c, 'alpha', 'beta', 0, 1, 0, 1)"
            ),
            [{"s": s, "c": c} for s in ("discord:g", "*") for c in ("", "math")],
        )

    await database.write(old_data)
    await database.dispose()
    store = await Store.open(db_url)
    try:
        assert await store.battle_patterns(None, None) == [PatternCount("alpha", "beta", 0, 1, 0, 1, 1)]
        assert await store.battle_patterns("discord:g", "math") == [PatternCount("alpha", "beta", 0, 1, 0, 1, 1)]
        await assert_consistent(store)
    finally:
        await store.close()
