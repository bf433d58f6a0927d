"""Board versions (what warm boards check) and the pattern rows changed since a version, on
SQLite and PostgreSQL (the `store` fixture; on PostgreSQL a close by vote runs in the server-side
vote function of migration 0009)."""

from __future__ import annotations

import dataclasses

from arenabot.domain import Outcome
from arenabot.storage import PatternCount, Store

from .factories import T0, battle, new_battle
from .recount import assert_consistent, rows

HOME = "discord:guild1"
OTHER = "discord:guild2"


async def board_version(store: Store, scope_key: str | None, mode: str = "anonymous") -> int:
    return (await store.board_changes(scope_key, None, mode, 2**62))[0]


async def since(store: Store, scope_key: str | None, category: str | None, version: int) -> list[PatternCount]:
    return (await store.board_changes(scope_key, category, "anonymous", version))[1]


async def vote(store: Store, battle_id: int, voter: str, outcome: Outcome | None, close_after: int = 0):
    return await store.record_vote(battle_id, voter, outcome, event_id=None, now=T0, close_after=close_after)


async def versions(store: Store) -> tuple[int, int, int, int]:
    """(this scope, everywhere, the other scope, this scope's named board)."""
    return (
        await board_version(store, HOME),
        await board_version(store, None),
        await board_version(store, OTHER),
        await board_version(store, HOME, "named"),
    )


async def test_versions_move_with_the_patterns_and_only_then(store: Store) -> None:
    assert await versions(store) == (0, 0, 0, 0)  # no board has changed yet
    b = await battle(store, "alpha", "beta", categories=["coding"])
    await vote(store, b.id, "u1", Outcome.A)
    await vote(store, b.id, "u2", Outcome.B)
    await vote(store, b.id, "u2", Outcome.TIE)  # a change of mind on an open battle
    assert await versions(store) == (0, 0, 0, 0)  # open battles are on no board: nothing moves

    assert await store.close_battle(b.id, T0)
    assert await versions(store) == (1, 1, 0, 0)  # its scope's board and the global one, once each

    # The reveal by the vote that reaches close_after_votes (on PostgreSQL: the vote function).
    c = await battle(store, "beta", "gamma", scope_key=OTHER)
    await vote(store, c.id, "u1", Outcome.A, close_after=2)
    assert await versions(store) == (1, 1, 0, 0)
    assert (await vote(store, c.id, "u2", Outcome.TIE, close_after=2)).closed
    assert await versions(store) == (1, 2, 1, 0)

    await vote(store, b.id, "u3", Outcome.A)  # a late vote on a revealed battle counts nowhere
    assert await versions(store) == (1, 2, 1, 0)
    await store.add_categories(b.id, ["math"])  # a revealed battle's new category: its patterns move
    assert await versions(store) == (2, 3, 1, 0)
    assert await store.void_battle(b.id, "spam")  # its votes leave the boards
    assert await versions(store) == (3, 4, 1, 0)
    assert not await store.void_battle(b.id, "again")
    assert await versions(store) == (3, 4, 1, 0)

    # Voiding or flagging a battle that was never revealed changes no board.
    d = await battle(store, "alpha", "gamma")
    await vote(store, d.id, "u1", Outcome.B)
    assert await store.flag_identity_leak(d.id)
    assert await store.void_battle(d.id, "spam")
    assert await versions(store) == (3, 4, 1, 0)
    await assert_consistent(store)  # (the recount knows no named boards: checked before one)

    named = await store.create_battle(dataclasses.replace(new_battle("alpha", "beta"), anony=False))
    await vote(store, named.id, "u1", Outcome.A, close_after=1)
    assert await versions(store) == (3, 4, 1, 1)
    assert await board_version(store, None, "named") == 1


async def test_rows_changed_since_a_version_are_those_of_later_changes(store: Store) -> None:
    first = await battle(store, "alpha", "beta", categories=["coding"])
    await vote(store, first.id, "u1", Outcome.A)
    await store.close_battle(first.id, T0)
    seen = await board_version(store, HOME)
    everything = await since(store, HOME, None, -1)
    assert everything == [PatternCount("alpha", "beta", 1, 0, 0, 0, 1)]
    assert await since(store, HOME, None, seen) == []

    second = await battle(store, "gamma", "beta")  # stored as (beta, gamma), A and B swapped
    await vote(store, second.id, "u1", Outcome.A, close_after=1)
    assert await since(store, HOME, None, seen) == [PatternCount("beta", "gamma", 0, 1, 0, 0, 1)]
    global_seen = await board_version(store, None)
    assert await since(store, None, None, global_seen - 1) == [PatternCount("beta", "gamma", 0, 1, 0, 0, 1)]
    assert await since(store, HOME, "coding", seen) == []  # no category

    # A void shows as the row's new total (no battles left), not as a missing row.
    now = await board_version(store, HOME)
    await store.void_battle(first.id, "spam")
    assert await since(store, HOME, "coding", now) == [PatternCount("alpha", "beta", 1, 0, 0, 0, 0)]
    assert await store.battle_patterns(HOME, "coding") == []  # the plain read leaves it out
    # Every stored row carries its scope's version of the transaction that last changed it.
    stamps = await store.run_read(rows, "SELECT scope_key, max(version) FROM battle_patterns GROUP BY scope_key")
    assert dict(stamps) == {HOME: await board_version(store, HOME), "*": await board_version(store, None)}


async def test_imports_bump_the_boards_they_fill(store: Store) -> None:
    good = {"model_a": "b", "model_b": "a", "winner": "model_a", "tstamp": 1700000000.5, "anony": True}
    report = await store.import_clean_battles([good, {**good, "judge": "j2", "anony": False}], "import:test", T0)
    assert report.imported == 2
    assert await board_version(store, "import:test") == 1
    assert await board_version(store, "import:test", "named") == 0  # a non-anonymous record counts nowhere
    assert await since(store, "import:test", None, 0) == [PatternCount("a", "b", 0, 1, 0, 0, 1)]
