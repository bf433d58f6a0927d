"""PatternTable (what a warm board keeps): after any series of changed rows it rates exactly like
the same rows read whole (counts_from_patterns), and a warm start reaches the same board."""

from __future__ import annotations

import random

import numpy as np
import pytest

from arenabot.ratings import counts_from_patterns, rate_counts
from arenabot.ratings.pattern_table import PatternTable

MODELS = [f"m{k}" for k in range(8)]


def _board_values(board) -> dict:  # type: ignore[no-untyped-def]
    return {r.model: (r.rating, r.ci_lower, r.ci_upper, r.rank, r.battles, r.win_rate) for r in board.rows}


def _assert_same_board(got, want) -> None:  # type: ignore[no-untyped-def]
    got_values, want_values = _board_values(got), _board_values(want)
    assert got_values.keys() == want_values.keys()
    for model, values in want_values.items():
        assert got_values[model] == pytest.approx(values, abs=1e-9, rel=0), model
    assert got.notes == want.notes and got.n_battles == want.n_battles


def _random_key(rng: random.Random) -> tuple:
    a, b = sorted(rng.sample(MODELS, 2))
    votes = [0, 0, 0, 0]
    for _ in range(rng.randint(1, 3)):
        votes[rng.choice([0, 0, 1, 2, 3])] += 1
    return (a, b, *votes)


@pytest.mark.parametrize("seed", range(5))
def test_changed_rows_give_the_board_of_the_whole_rows(seed: int) -> None:
    rng = random.Random(seed)
    state: dict[tuple, int] = {}
    for _ in range(120):  # the first read: many rows at once (the vectorised load)
        key = _random_key(rng)
        state[key] = state.get(key, 0) + rng.randint(1, 5)
    table = PatternTable.of([(*k, n) for k, n in state.items()])
    ratings = None
    for step in range(60):  # reveals (+1 battle), voids (-1), a new model late on
        changed = []
        for _ in range(rng.randint(1, 4)):
            key = _random_key(rng) if step != 30 else ("m0", "zeta", 1, 0, 0, 0)
            if state.get(key) and rng.random() < 0.4:
                state[key] -= 1
            else:
                state[key] = state.get(key, 0) + 1
            changed.append((*key, state[key]))
        if rng.random() < 0.3:
            again = changed[0][:6]
            changed.append((*again, state[again]))  # a row seen twice (read again after a concurrent change)
        table.update(changed)
        whole = counts_from_patterns([(*k, n) for k, n in sorted(state.items()) if n > 0])
        warm = table.counts()
        assert table.votes == whole.n_battles
        assert warm.patterns is not None and warm.patterns.n_battles == whole.patterns.n_battles  # type: ignore[union-attr]
        board = rate_counts(warm, ci="sandwich", start=ratings)
        _assert_same_board(board, rate_counts(whole, ci="sandwich"))
        ratings = board.ratings()


def test_a_pair_whose_battles_were_all_voided_leaves_the_board() -> None:
    table = PatternTable.of([("a", "b", 1, 0, 0, 0, 2), ("b", "c", 0, 1, 1, 0, 1), ("a", "c", 1, 0, 0, 0, 1)])
    table.update([("a", "c", 1, 0, 0, 0, 0), ("c", "d", 0, 0, 1, 0, 0)])  # voided; and a row with no battles
    counts = table.counts()
    assert counts.models == ["a", "b", "c"]
    pairs = {(counts.models[i], counts.models[j]) for i, j in zip(counts.i, counts.j, strict=True)}
    assert pairs == {("a", "b"), ("b", "c")}
    assert np.all(counts.i < counts.j)
    assert table.votes == 4


def test_rows_without_votes_or_with_one_model_are_ignored() -> None:
    table = PatternTable.of([("a", "a", 1, 0, 0, 0, 3), ("a", "b", 0, 0, 0, 0, 3), ("a", "b", 0, 1, 0, 0, 2)])
    assert table.votes == 2 and table.counts().models == ["a", "b"]
