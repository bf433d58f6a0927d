"""The pair counts' version (what warm boards check) and the PostgreSQL vote batches, on SQLite
and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import asyncio

import pytest

from arenabot.domain import BattleStatus, Outcome
from arenabot.storage import Store

from .factories import T0, battle
from .recount import assert_consistent


async def vote(store: Store, battle_id: int, voter: str, outcome: Outcome | None, event: str | None = None, close_after: int = 0):
    return await store.record_vote(battle_id, voter, outcome, event_id=event, now=T0, close_after=close_after)


async def test_the_version_moves_with_the_pair_counts_and_only_then(store: Store) -> None:
    start = await store.counts_version()
    b = await battle(store, "alpha", "beta", categories=["coding"])
    await vote(store, b.id, "u1", Outcome.A)
    await vote(store, b.id, "u2", Outcome.B)
    assert await store.counts_version() == start  # open battles are not on the boards

    assert await store.close_battle(b.id, T0)
    revealed = await store.counts_version()
    assert revealed > start

    # The reveal by the vote that reaches close_after_votes (on PostgreSQL: the vote function).
    c = await battle(store, "beta", "gamma")
    await vote(store, c.id, "u1", Outcome.A, close_after=2)
    assert await store.counts_version() == revealed
    closing = await vote(store, c.id, "u2", Outcome.TIE, close_after=2)
    assert closing.closed
    closed_by_vote = await store.counts_version()
    assert closed_by_vote > revealed

    assert await store.void_battle(b.id, "spam")  # its votes leave the boards
    assert await store.counts_version() > closed_by_vote
    await assert_consistent(store)


async def test_rows_changed_since_a_version_are_those_of_later_reveals(store: Store) -> None:
    first = await battle(store, "alpha", "beta", categories=["coding"])
    await vote(store, first.id, "u1", Outcome.A)
    await store.close_battle(first.id, T0)
    seen = await store.counts_version()
    assert {(c.model_a, c.model_b) for c in await store.pair_counts_since("discord:guild1", None, -1)} == {("alpha", "beta")}
    assert await store.pair_counts_since("discord:guild1", None, seen) == []

    second = await battle(store, "gamma", "beta")  # stored as (beta, gamma), A and B swapped
    await vote(store, second.id, "u1", Outcome.A, close_after=1)
    changed = await store.pair_counts_since("discord:guild1", None, seen)
    assert [(c.model_a, c.model_b, c.wins_a, c.wins_b) for c in changed] == [("beta", "gamma", 0, 1)]
    assert [(c.model_a, c.model_b) for c in await store.pair_counts_since(None, None, seen)] == [("beta", "gamma")]
    assert await store.pair_counts_since(None, "coding", seen) == []  # the second battle has no category

    # A void shows as the row's new totals (zeros), not as a missing row.
    now = await store.counts_version()
    await store.void_battle(first.id, "spam")
    voided = await store.pair_counts_since("discord:guild1", "coding", now)
    assert [(c.model_a, c.model_b, c.total) for c in voided] == [("alpha", "beta", 0)]


async def test_concurrent_votes_replays_and_an_unknown_battle_together(store: Store) -> None:
    """Votes arriving together (one batch on PostgreSQL): each has its own effect, a replayed
    event counts once, the vote on an unknown battle fails alone, close_after_votes is exact."""
    battles = [await battle(store, "alpha", "beta") for _ in range(3)]
    jobs = []
    for b in battles:
        for k in range(5):
            jobs.append(vote(store, b.id, f"u{k}", Outcome.A, event=f"e{b.id}:{k}", close_after=3))
            jobs.append(vote(store, b.id, f"u{k}", Outcome.A, event=f"e{b.id}:{k}", close_after=3))  # replayed
    jobs.append(vote(store, 10_000, "u1", Outcome.A, event="nowhere"))
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert isinstance(results[-1], LookupError) and "10000" in str(results[-1])
    statuses = [r.status for r in results[:-1]]  # type: ignore[union-attr]
    assert statuses.count("duplicate") == 15
    assert statuses.count("counted") == 9 and statuses.count("late") == 6  # 3 per battle, then closed
    assert sum(r.closed for r in results[:-1]) == 3  # type: ignore[union-attr]
    for b in battles:
        stored = await store.get_battle(b.id)
        assert stored is not None and stored.status is BattleStatus.CLOSED and stored.counted_votes == 3
    assert sum(c.total for c in await store.pair_counts(None, None)) == 9
    # The unknown battle's event id was not claimed: it is free for a real vote.
    assert (await vote(store, battles[0].id, "u9", Outcome.B, event="nowhere")).status == "late"
    await assert_consistent(store)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_naive_times_are_refused_on_the_fast_path(store: Store) -> None:
    from datetime import datetime

    b = await battle(store)
    with pytest.raises(ValueError, match="naive datetime"):
        await store.record_vote(b.id, "u1", Outcome.A, event_id=None, now=datetime(2026, 1, 1))
