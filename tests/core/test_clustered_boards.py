"""Chat boards use intervals clustered by battle (issue 11): the store's battle patterns feed
them; with one voter per battle they equal the per-vote board, with several agreeing voters
per battle the intervals widen (those votes are not independent)."""

from __future__ import annotations

import random

import pytest

from arenabot.domain import Outcome
from arenabot.leaderboard import LeaderboardCache
from arenabot.storage import Store
from tests.storage.factories import T0, battle

MODELS = ["alpha", "beta", "gamma", "delta"]


async def _arena(store: Store, voters_per_battle: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    for _ in range(80):
        a, b = rng.sample(MODELS, 2)
        fight = await battle(store, a, b)
        outcome = rng.choice([Outcome.A, Outcome.A, Outcome.B, Outcome.TIE])  # every voter agrees
        for k in range(voters_per_battle):
            await store.record_vote(fight.id, f"u{k}", outcome, event_id=None, now=T0)
        assert await store.close_battle(fight.id, T0)


def _by_model(board) -> dict:  # type: ignore[no-untyped-def]
    return {r.model: r for r in board.rows}


async def test_one_voter_per_battle_gives_todays_board(store: Store) -> None:
    await _arena(store, voters_per_battle=1)
    clustered = LeaderboardCache().board(await store.battle_patterns(None, None), title="", top=10)
    plain = LeaderboardCache().board(await store.pair_counts(None, None), title="", top=10)
    assert "clustered by battle" in clustered.method and "clustered" not in plain.method
    assert clustered.votes == plain.votes == 80
    for model, row in _by_model(plain).items():
        got = _by_model(clustered)[model]
        assert (got.rating, got.ci_lower, got.ci_upper) == pytest.approx((row.rating, row.ci_lower, row.ci_upper), abs=1e-6)


async def test_agreeing_voters_on_one_battle_widen_the_interval(store: Store) -> None:
    await _arena(store, voters_per_battle=4)
    clustered = _by_model(LeaderboardCache().board(await store.battle_patterns(None, None), title="", top=10))
    naive = _by_model(LeaderboardCache().board(await store.pair_counts(None, None), title="", top=10))
    for model, row in naive.items():
        assert clustered[model].rating == pytest.approx(row.rating, abs=1e-6)
        width = clustered[model].ci_upper - clustered[model].ci_lower
        assert width == pytest.approx(2 * (row.ci_upper - row.ci_lower), rel=0.05)  # 4 copies = 1 battle
