"""PostgreSQL row locking, made deterministic: transaction A votes and holds its locks while
transaction B, for the same voter on the same battle, has to wait; then A commits."""
from __future__ import annotations

import asyncio

from sqlalchemy import text

from arenabot.domain import Outcome
from arenabot.storage import PairCount, Store, VoteResult
from arenabot.storage import voting
from arenabot.storage.engine import AsyncDatabase, open_database

from tests.support.waiting import until_async

from .factories import T0, battle
from .recount import assert_consistent


async def _held_then_waiting(url: str, battle_id: int, first: Outcome, second: Outcome, round_: int) -> tuple[VoteResult, VoteResult]:
    database = open_database(url)
    assert isinstance(database, AsyncDatabase)
    try:
        async with database.engine.connect() as a, database.engine.connect() as b, database.engine.connect() as observer:

            async def b_waits_for_a_lock_or_is_done() -> bool:
                if waiting.done():
                    return True  # it did not wait at all: the assertion below says so at once
                # PostgreSQL's own view of B: blocked on a lock, not merely slow to get going.
                blocked = await observer.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ))
                await observer.rollback()
                return bool(blocked)

            await a.begin()
            held = await a.run_sync(voting.record_vote, battle_id, "same-voter", first, f"event-a{round_}", T0)
            await b.begin()
            waiting = asyncio.ensure_future(b.run_sync(voting.record_vote, battle_id, "same-voter", second, f"event-b{round_}", T0))
            await until_async(b_waits_for_a_lock_or_is_done, what="B to wait for A's lock on the battle")
            assert not waiting.done(), "B should wait for A's lock on the battle"
            await a.commit()
            result = await waiting
            await b.commit()
            return held, result
    finally:
        await database.dispose()


async def test_a_waiting_vote_sees_the_vote_it_waited_for(pg_url: str) -> None:
    store = await Store.open(pg_url)
    try:
        fresh = await battle(store)
        # Two first votes of one person at once: the second becomes a change, not a unique violation.
        held, waited = await _held_then_waiting(pg_url, fresh.id, Outcome.A, Outcome.TIE, 1)
        assert (held.status, waited.status, waited.previous) == ("counted", "changed", Outcome.A)
        assert await store.counted_votes(fresh.id) == 1

        # Two changes at once: the second must start from the first's result, not from "tie".
        held, waited = await _held_then_waiting(pg_url, fresh.id, Outcome.B, Outcome.BOTH_BAD, 2)
        assert (held.previous, waited.previous) == (Outcome.TIE, Outcome.B)
        assert await store.counted_votes(fresh.id) == 1
        assert await store.pair_counts(None, None) == []  # open battle: off the boards
        assert await store.close_battle(fresh.id, T0)
        assert await store.pair_counts(None, None) == [PairCount("alpha", "beta", both_bad=1)]
        await assert_consistent(store)
    finally:
        await store.close()
