"""Pair sampling: weights, targets, exclusions, random sides, and the active rule."""
from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from arenabot.ratings import counts_from_pairs, rate_pairs
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
    return SimpleNamespace(rows=[SimpleNamespace(model=m, rating=r, ci_lower=r - 1.96 * sd, ci_upper=r + 1.96 * sd,
                                                 battles=n)
                                 for m, r, sd, n in rows])


def as_dict(pairs, weights):
    return dict(zip(map(frozenset, pairs), weights))


def test_active_prefers_overlapping_uncertain_pairs_and_does_not_avoid_coin_flips():
    # far: settled; twin1/twin2: identical and uncertain (the ranking must separate them);
    # near1/near2: 15 apart, +-10.
    board = fake_board([("far", 1400, 5, 900), ("twin1", 1000, 10, 500), ("twin2", 1000, 10, 500),
                        ("near1", 1215, 10, 500), ("near2", 1200, 10, 500)])
    cands = [Candidate(m.model) for m in board.rows]
    w = as_dict(*pair_weights(cands, board, "active"))
    assert w[frozenset({"twin1", "twin2"})] > 5 * w[frozenset({"far", "twin1"})]
    assert w[frozenset({"near1", "near2"})] > 3 * w[frozenset({"far", "near2"})]
    # The old rule starved coin flips; now a tied, uncertain pair is among the most wanted.
    assert w[frozenset({"twin1", "twin2"})] >= 0.9 * max(w.values())


def test_the_widest_interval_gets_the_votes_against_its_nearest_opponent():
    # top is the most uncertain model, far above three close ones; d sits between.
    board = fake_board([("top", 1500, 30, 300), ("a", 1000, 10, 3000), ("b", 1010, 10, 3000), ("c", 1020, 10, 3000),
                        ("d", 1300, 10, 3000)])
    w = as_dict(*pair_weights([Candidate(m.model) for m in board.rows], board, "active", floor=0.0))
    assert max(w, key=w.get) == frozenset({"top", "d"})
    # Far-apart pairs teach little per vote (p(1-p) is small): top meets a, b or c less often.
    assert w[frozenset({"top", "d"})] > 2 * max(w[frozenset({"top", m})] for m in "abc")


def test_every_model_keeps_a_floor_share():
    board = fake_board([("far", 1400, 1, 9000), ("a", 1000, 30, 50), ("b", 1001, 30, 50), ("c", 999, 30, 50)])
    cands = [Candidate(m.model) for m in board.rows]
    pairs, weights = pair_weights(cands, board, "active", floor=0.2)
    far_share = sum(wt for p, wt in zip(pairs, weights) if "far" in p)
    assert far_share >= 0.2 * 0.5  # its weighted share is 3 of 6 pairs
    _, no_floor = pair_weights(cands, board, "active", floor=0.0)
    assert sum(wt for p, wt in zip(pairs, no_floor) if "far" in p) < far_share
    assert weights.sum() == pytest.approx(1.0)


def test_active_uses_the_battles_behind_the_board_when_given():
    # b and c only ever met each other: their difference is known, their level is not.
    rows = [("a", "b", 30, 30, 0, 0), ("b", "c", 300, 300, 0, 0), ("a", "d", 300, 300, 0, 0)]
    board = rate_pairs(rows)
    counts = counts_from_pairs(rows)
    cands = [Candidate(m) for m in "abcd"]
    independent = as_dict(*pair_weights(cands, board, "active", floor=0.0))
    full = as_dict(*pair_weights(cands, board, "active", floor=0.0, counts=counts))
    # With the covariance, another b-c vote is worth much less than with independent intervals.
    assert full[frozenset("bc")] / full[frozenset("ac")] < independent[frozenset("bc")] / independent[frozenset("ac")]


def test_unrated_models_are_explored_first_and_weights_apply():
    rows = [("top", "mid", 400, 100, 0, 0), ("mid", "low", 60, 40, 0, 0), ("top", "low", 500, 20, 0, 0),
            ("low", "mid2", 50, 50, 0, 0), ("mid", "mid2", 52, 48, 0, 0)]
    board = rate_pairs(rows)
    cands = [Candidate(m) for m in ("top", "mid", "low", "mid2")]
    w = as_dict(*pair_weights(cands + [Candidate("fresh")], board, "active"))
    assert w[frozenset({"fresh", "mid"})] >= max(v for k, v in w.items() if "fresh" not in k)
    # Moderator weights still apply under the active rule: doubling top's weight doubles the
    # odds of its pairs against an unchanged pair.
    base = as_dict(*pair_weights([Candidate("top", 2.0)] + cands[1:], board, "active", floor=0.0))
    unit = as_dict(*pair_weights(cands, board, "active", floor=0.0))
    key, other = frozenset({"top", "mid"}), frozenset({"low", "mid2"})
    assert base[key] / base[other] == pytest.approx(2 * unit[key] / unit[other], rel=1e-9)


@pytest.mark.parametrize("strategy", ["weighted", "active"])
def test_new_models_are_boosted_until_they_have_enough_battles(strategy):
    board = fake_board([("old1", 1000, 10, 5000), ("old2", 1010, 10, 5000), ("old3", 990, 10, 5000),
                        ("new", 1000, 10, 40)])
    cands = [Candidate(m.model) for m in board.rows]
    plain = as_dict(*pair_weights(cands, board, strategy))
    boosted = as_dict(*pair_weights(cands, board, strategy, new_model_boost=5.0, new_model_battles=100))
    new, old = frozenset({"new", "old1"}), frozenset({"old2", "old3"})
    assert boosted[new] / boosted[old] > 3 * plain[new] / plain[old]
    if strategy == "weighted":
        assert boosted[new] / boosted[old] == pytest.approx(5 * plain[new] / plain[old])
    done = as_dict(*pair_weights(cands, board, strategy, new_model_boost=5.0, new_model_battles=40))
    assert done[new] == pytest.approx(plain[new])  # 40 battles reached: no boost
    with pytest.raises(ValueError, match="boost"):
        pair_weights(cands, board, strategy, new_model_boost=0.0)


def test_targets_still_apply_under_the_active_rule():
    board = fake_board([("x", 1000, 10, 100), ("y", 1300, 10, 100), ("z", 1000, 10, 100), ("w", 1005, 10, 100)])
    cands = [Candidate("x", targets=("y",)), Candidate("y"), Candidate("z"), Candidate("w")]
    plain = as_dict(*pair_weights([Candidate(c.name) for c in cands], board, "active", floor=0.0))
    targeted = as_dict(*pair_weights(cands, board, "active", floor=0.0))
    xy = frozenset("xy")
    assert targeted[xy] / targeted[frozenset("zw")] == pytest.approx(10 * plain[xy] / plain[frozenset("zw")])


def test_active_without_board_behaves_like_weighted_exploration():
    pairs = draw([Candidate("a"), Candidate("b"), Candidate("c")], n=600, strategy="active")
    assert len({frozenset(p) for p in pairs}) == 3
    boosted = draw([Candidate("a"), Candidate("b"), Candidate("c")], n=600, strategy="active",
                   new_model_boost=5.0, new_model_battles=10)
    assert len({frozenset(p) for p in boosted}) == 3


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="strategy"):
        sample_pair([Candidate("a"), Candidate("b")], random.Random(0), strategy="greedy")


def arena_counts(ratings, votes_per_pair, seed=0):
    """Counts of `votes_per_pair` Bradley-Terry votes on every pair of models m0, m1, ..."""
    rng = np.random.default_rng(seed)
    names = [f"m{k}" for k in range(len(ratings))]
    rows = []
    for a in range(len(ratings)):
        for b in range(a + 1, len(ratings)):
            p = 1 / (1 + 10 ** ((ratings[b] - ratings[a]) / 400))
            wins = int(rng.binomial(votes_per_pair, p))
            rows.append((names[a], names[b], wins, votes_per_pair - wins, 0, 0))
    return names, rows


def test_a_batch_is_spread_like_a_design_not_piled_on_one_pair():
    # Twelve models in three clusters: the best pair is worth much, but so are many others.
    ratings = [1000, 1002, 1004, 1006, 1150, 1152, 1154, 1156, 1300, 1302, 1304, 1306]
    names, rows = arena_counts(ratings, 20)
    board, counts = rate_pairs(rows), counts_from_pairs(rows)
    pairs, weights = pair_weights([Candidate(n) for n in names], board, "active", floor=0.0, counts=counts)
    assert weights.max() < 0.15  # not one pair taking the batch
    assert np.sort(weights)[::-1][:10].sum() < 0.7
    # ... and more of it goes where the order is in doubt: within a cluster, not across two.
    w = as_dict(pairs, weights)
    within = [v for k, v in w.items() if len({int(x[1:]) // 4 for x in k}) == 1]
    across = [v for k, v in w.items() if len({int(x[1:]) // 4 for x in k}) == 2]
    assert np.mean(within) > 1.2 * np.mean(across)


def test_the_order_in_doubt_and_the_widest_interval_both_draw_votes():
    # m0..m5 settled and far apart, except m2/m3 whose order is in doubt; m6 has few votes.
    ratings = [700, 850, 1000, 1010, 1150, 1300]
    names, rows = arena_counts(ratings, 400)
    rows += [("m6", n, 3, 3, 0, 0) for n in names[2:4]]
    board, counts = rate_pairs(rows), counts_from_pairs(rows)
    cands = [Candidate(n) for n in names + ["m6"]]
    w = as_dict(*pair_weights(cands, board, "active", floor=0.0, counts=counts))
    doubt = w[frozenset({"m2", "m3"})]
    settled = max(v for k, v in w.items() if "m6" not in k and k != frozenset({"m2", "m3"}))
    assert doubt > 2 * settled
    assert sum(v for k, v in w.items() if "m6" in k) > 0.3


def test_the_plan_is_computed_once_per_board(monkeypatch):
    import arenabot.sampling as sampling

    names, rows = arena_counts([1000, 1050, 1100, 1150], 30)
    board, counts = rate_pairs(rows), counts_from_pairs(rows)
    calls = []
    real = sampling._need_allocation
    monkeypatch.setattr(sampling, "_need_allocation", lambda *a: calls.append(1) or real(*a))
    cands = [Candidate(n) for n in names]
    first = pair_weights(cands, board, "active", counts=counts)[1]
    for _ in range(5):
        again = pair_weights(cands, board, "active", counts=counts)[1]
    assert len(calls) == 1 and np.array_equal(first, again)
    pair_weights(cands, rate_pairs(rows), "active", counts=counts)  # a new board: a new plan
    pair_weights(cands[:3], board, "active", counts=counts)  # other candidates: a new plan
    assert len(calls) == 3
