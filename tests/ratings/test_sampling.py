"""Pair sampling: weights, targets, exclusions, random sides, and the active rule."""
from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

import pytest

from arenabot.ratings import rate_pairs
from arenabot.sampling import Candidate, NotEnoughModels, pair_weights, sample_pair


def draw(candidates, n=4000, seed=0, **kw):
    rng = random.Random(seed)
    return [sample_pair(candidates, rng, **kw) for _ in range(n)]


def test_never_self_and_sides_are_random():
    pairs = draw([Candidate("a"), Candidate("b"), Candidate("c")])
    assert all(a != b for a, b in pairs)
    first = Counter(a for a, _ in pairs)
    assert all(1000 < first[m] < 1700 for m in "abc")
    ab = Counter(p for p in pairs if set(p) == {"a", "b"})
    assert abs(ab[("a", "b")] - ab[("b", "a")]) < 0.2 * sum(ab.values())


def test_weights_shape_battle_shares():
    pairs = draw([Candidate("a", 3.0), Candidate("b"), Candidate("c")])
    share = Counter(m for p in pairs for m in p)
    # P(pair) ~ w_i w_j: a is in (3+3)/(3+3+1) of the battles.
    assert share["a"] / len(pairs) == pytest.approx(6 / 7, abs=0.03)


def test_disabled_failing_and_duplicate_models_are_excluded():
    cands = [Candidate("a"), Candidate("b", 0.0), Candidate("c", available=False), Candidate("d"), Candidate("a")]
    assert {frozenset(p) for p in draw(cands, 300)} == {frozenset("ad")}
    with pytest.raises(NotEnoughModels):
        sample_pair([Candidate("a"), Candidate("b", available=False)], random.Random(0))


def test_targets_are_preferred_not_exclusive():
    cands = [Candidate("x", targets=("y",)), Candidate("y"), Candidate("z"), Candidate("w")]
    counts = Counter(frozenset(p) for p in draw(cands))
    assert counts[frozenset("xy")] > 3 * counts[frozenset("xz")] > 0


def fake_board(rows):
    return SimpleNamespace(rows=[SimpleNamespace(model=m, rating=r, ci_lower=r - 1.96 * sd, ci_upper=r + 1.96 * sd)
                                 for m, r, sd in rows])


def test_active_prefers_pairs_a_vote_can_settle():
    # far: settled; twin1/twin2: identical, a coin flip no vote settles; near1/near2: 15 apart, +-10.
    board = fake_board([("far", 1400, 5), ("twin1", 1000, 10), ("twin2", 1000, 10),
                        ("near1", 1215, 10), ("near2", 1200, 10)])
    cands = [Candidate(m.model) for m in board.rows]
    pairs, weights = pair_weights(cands, board, "active")
    w = dict(zip(map(frozenset, pairs), weights))
    assert w[frozenset({"near1", "near2"})] > 5 * w[frozenset({"far", "twin1"})]
    assert w[frozenset({"near1", "near2"})] > 5 * w[frozenset({"twin1", "twin2"})]


def test_active_strategy_focuses_on_uncertain_close_pairs_and_explores_unrated():
    rows = [("top", "mid", 400, 100, 0, 0), ("mid", "low", 60, 40, 0, 0), ("top", "low", 500, 20, 0, 0),
            ("low", "mid2", 50, 50, 0, 0), ("mid", "mid2", 52, 48, 0, 0)]
    board = rate_pairs(rows)
    cands = [Candidate(m) for m in ("top", "mid", "low", "mid2")]
    pairs, weights = pair_weights(cands, board, "active")
    w = dict(zip(map(frozenset, pairs), weights))
    assert w[frozenset({"mid", "mid2"})] > w[frozenset({"top", "low"})]
    pairs, weights = pair_weights(cands + [Candidate("fresh")], board, "active")
    w = dict(zip(map(frozenset, pairs), weights))
    assert w[frozenset({"fresh", "mid"})] >= max(v for k, v in w.items() if "fresh" not in k)
    # Weights and targets still apply under the active rule.
    _, base = pair_weights([Candidate("top", 2.0), Candidate("mid")], board, "active")
    _, unit = pair_weights([Candidate("top"), Candidate("mid")], board, "active")
    assert base[0] == pytest.approx(2 * unit[0])


def test_active_without_board_behaves_like_weighted_exploration():
    pairs = draw([Candidate("a"), Candidate("b"), Candidate("c")], n=600, strategy="active")
    assert len({frozenset(p) for p in pairs}) == 3


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="strategy"):
        sample_pair([Candidate("a"), Candidate("b")], random.Random(0), strategy="greedy")
