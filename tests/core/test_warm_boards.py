"""Warm boards: one per scope and category, refreshed from the rows changed since the counts
version they saw, the same as a board computed from scratch, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from arenabot.domain import Outcome
from arenabot.leaderboard import LeaderboardCache, compute_board
from arenabot.storage import NewBattle, Store
from tests.core.conftest import MOD, SCOPE, battle
from tests.storage.factories import T0

MODELS = ["alpha", "beta", "gamma", "delta", "epsilon"]


@pytest.fixture
def core_db_url(db_url: str) -> str:
    return db_url


class CountingStore:
    """The store, counting the row reads a warm board makes."""

    def __init__(self, store: Store):
        self.store = store
        self.row_reads: list[tuple[object, ...]] = []

    async def counts_version(self) -> int:
        return await self.store.counts_version()

    async def pair_counts_since(self, scope_key, category, since):  # type: ignore[no-untyped-def]
        rows = await self.store.pair_counts_since(scope_key, category, since)
        self.row_reads.append((scope_key, category, since, len(rows)))
        return rows


async def reveal(store: Store, rng: random.Random, scope_key: str, n: int) -> int:
    a, b = rng.sample(MODELS, 2)
    new = NewBattle(
        scope_key,
        "fake",
        "c",
        "creator",
        a,
        b,
        rng.sample(["coding", "math"], rng.randint(0, 2)),
        "en",
        "p",
        T0,
        T0 + timedelta(hours=1),
    )
    record = await store.create_battle(new)
    for k in range(n):
        await store.record_vote(record.id, f"voter{k}", rng.choice(list(Outcome)), event_id=None, now=T0)
    assert await store.close_battle(record.id, T0)
    return record.id


def rows_of(board):  # type: ignore[no-untyped-def]
    rows = board.rows if hasattr(board, "rows") else board[0]
    return [(r.model, round(r.rating, 6), round(r.ci_lower, 6), round(r.ci_upper, 6), r.battles) for r in rows]


async def test_a_warm_board_is_the_board_from_scratch_and_reads_only_what_changed(db_url: str) -> None:
    store = await Store.open(db_url)
    other = await Store.open(db_url)  # another process on the same database
    try:
        rng = random.Random(3)
        counting = CountingStore(store)
        boards = LeaderboardCache()
        revealed = []
        for _ in range(6):
            revealed.append(await reveal(other, rng, "fake:g1", 3))
        for step in range(8):
            for scope, category in [("fake:g1", None), (None, None), (None, "coding"), ("fake:g2", None)]:
                warm = await boards.warm_board(counting, scope, category, title="", top=100)
                cold = compute_board(tuple(await store.pair_counts(scope, category)))
                # (sorted: models with equal ratings may come in either order)
                assert sorted(rows_of(warm)) == sorted(rows_of(cold))
                assert warm.votes == cold[2]
            # Nothing changed: no rows are read at all.
            reads = len(counting.row_reads)
            await boards.warm_board(counting, "fake:g1", None, title="", top=100)
            assert len(counting.row_reads) == reads
            # Then a change in another process: a reveal, or a void of a revealed battle.
            if step % 3 == 2:
                assert await other.void_battle(revealed.pop(0), "spam")
            else:
                revealed.append(await reveal(other, rng, rng.choice(["fake:g1", "fake:g2"]), rng.randint(1, 4)))
        # After the first full read, each refresh read only the few rows of one battle.
        later = [r for r in counting.row_reads if r[2] != -1]
        assert later and all(n <= 3 for *_, n in later)
    finally:
        await other.close()
        await store.close()


async def test_the_leaderboard_command_shows_a_reveal_from_another_process(core, platform, core_db_url) -> None:
    async with core(rate_limit_battles=100) as service:
        _, _, record = await battle(service, platform, "prompt one")
        await service.vote_on_battle(platform, record.id, MOD, Outcome.A, "click-1")
        assert (await service.close_battle(platform, MOD, f"#{record.id}")).ok
        before = (await service.leaderboard(SCOPE)).board
        assert before is not None and before.votes == 1

        other = await Store.open(core_db_url)
        try:
            rng = random.Random(1)
            a, b = record.model_a, record.model_b
            new = NewBattle(SCOPE.key, "fake", "c", "someone", a, b, [], "en", "p", T0, T0 + timedelta(hours=1))
            second = await other.create_battle(new)
            for k in range(2):
                await other.record_vote(second.id, f"v{k}", rng.choice([Outcome.A, Outcome.B]), event_id=None, now=T0)
            assert await other.close_battle(second.id, T0)
        finally:
            await other.close()
        after = (await service.leaderboard(SCOPE)).board
        assert after is not None and after.votes == 3


def test_a_warm_start_reaches_the_same_ratings() -> None:
    from arenabot.ratings import counts_from_pairs, rate_counts

    rng = random.Random(5)
    rows = [
        (a, b, rng.randint(0, 30), rng.randint(0, 30), rng.randint(0, 5), rng.randint(0, 3))
        for i, a in enumerate(MODELS)
        for b in MODELS[i + 1 :]
    ]
    cold = rate_counts(counts_from_pairs(rows))
    start = {m: 1000.0 + 50 * k for k, m in enumerate(MODELS)}  # far from the answer
    warm = rate_counts(counts_from_pairs(rows), start=start)
    assert [(r.model, round(r.rating, 6), round(r.ci_upper, 6)) for r in warm.rows] == [
        (r.model, round(r.rating, 6), round(r.ci_upper, 6)) for r in cold.rows
    ]
