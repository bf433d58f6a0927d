"""Named (side-by-side) battles in the store, on SQLite and PostgreSQL: their votes reach the
named boards ("named/" scopes) at the close and never the anonymous ones; voiding and late
categories follow them there; they export as anony: false; migration 0006 keeps every row."""
from __future__ import annotations

import dataclasses

from alembic import command
from sqlalchemy import text

from arenabot.domain import Outcome
from arenabot.storage import PairCount, Store
from arenabot.storage.engine import open_database
from arenabot.storage.migrate import alembic_config

from .factories import T0, new_battle


async def _named(store: Store, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    return await store.create_battle(dataclasses.replace(new_battle(*args, **kwargs), anony=False))  # type: ignore[arg-type]


async def test_named_votes_move_to_the_named_boards_only(store: Store) -> None:
    battle = await _named(store, "beta", "alpha")
    assert not (await store.get_battle(battle.id)).anony
    for voter, outcome in (("u1", Outcome.A), ("u2", Outcome.TIE)):
        assert (await store.record_vote(battle.id, voter, outcome, event_id=None, now=T0, reveals_names=True)).status == "counted"
    assert await store.pair_counts("discord:guild1", None, "named") == []  # not before the close
    assert await store.close_battle(battle.id, T0)
    expected = [PairCount("alpha", "beta", wins_b=1, ties=1)]
    assert await store.pair_counts("discord:guild1", None, "named") == expected
    assert await store.pair_counts(None, None, "named") == expected
    assert await store.pair_counts("discord:guild1", None) == [] and await store.pair_counts(None, None) == []

    await store.add_categories(battle.id, ["math"])
    assert await store.pair_counts("discord:guild1", "math", "named") == expected
    assert await store.pair_counts(None, "math") == []
    [record, _] = await store.export_clean_battles(None)
    assert record["anony"] is False
    # Nobody was told the names privately (they were shown), so the vote was never made final.
    seen = await store.run_read(lambda c: c.execute(text("SELECT count(*) FROM votes WHERE names_seen_at IS NOT NULL")).scalar())
    assert seen == 0

    assert await store.void_battle(battle.id, "spam")
    assert await store.pair_counts(None, None, "named") == []
    assert await store.pair_counts("discord:guild1", "math", "named") == []


async def test_blind_and_named_battles_of_one_pair_stay_apart(store: Store) -> None:
    blind = await store.create_battle(new_battle())
    named = await _named(store)
    for battle in (blind, named):
        await store.record_vote(battle.id, "u1", Outcome.A, event_id=None, now=T0)
        assert await store.close_battle(battle.id, T0)
    assert await store.pair_counts("discord:guild1", None) == [PairCount("alpha", "beta", wins_a=1)]
    assert await store.pair_counts("discord:guild1", None, "named") == [PairCount("alpha", "beta", wins_a=1)]
    exported = await store.export_clean_battles(None)
    assert sorted(r["anony"] for r in exported) == [False, True]


async def test_migration_0006_down_and_up_keeps_battles_votes_and_turns(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        battle = await _named(store)
        await store.record_vote(battle.id, "u1", Outcome.B, event_id=None, now=T0)
        assert await store.close_battle(battle.id, T0)
    finally:
        await store.close()
    database = open_database(db_url)
    try:
        await database.write(lambda conn: command.downgrade(alembic_config(conn), "0004"))

        def after_downgrade(conn):  # type: ignore[no-untyped-def]
            return (
                conn.execute(text("SELECT count(*) FROM votes")).scalar(),
                conn.execute(text("SELECT count(*) FROM battles")).scalar(),
                conn.execute(text("SELECT count(*) FROM pair_counts WHERE scope_key LIKE 'named/%'")).scalar(),
            )

        assert await database.read(after_downgrade) == (1, 1, 0)
    finally:
        await database.dispose()
    store = await Store.open(db_url)  # upgrades again: the old battle reads as a blind one
    try:
        again = await store.get_battle(battle.id)
        assert again is not None and again.anony
    finally:
        await store.close()
