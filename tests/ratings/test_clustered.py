"""Intervals clustered by battle: several voters on one battle are one correlated observation.

The simulation: each battle draws a per-battle effect (one reply better than its model's
average, shared by everyone who reads it) and gets 1 to 8 voters. Per-vote intervals treat the
voters as independent and so under-cover; clustered ones (bootstrap over battles, sandwich with
the variance clustered by battle) cover the true ratings at their nominal 95%.
"""
from __future__ import annotations

import numpy as np
import pytest

from arenabot.ratings import (
    counts_from_battles, counts_from_patterns, counts_from_votes, rate_battles, rate_counts, rate_patterns,
)

C = 400 / np.log(10)
N_MODELS = 4
BATTLE_SD = 1.5  # natural scale: how much one battle's replies differ from their models' average


def grouped_votes(seed: int, n_battles: int = 1200, max_voters: int = 8):
    """(models, model_a, model_b, outcome, battle id, true mean-centred ratings).

    The per-battle effect is symmetric around zero; the truth is the population-average
    Bradley-Terry strength, found by fitting a huge sample of one-vote battles from the same
    process (computed once, see `population_truth`)."""
    rng = np.random.default_rng(seed)
    beta = np.linspace(-0.6, 0.6, N_MODELS)
    ii, jj = np.triu_indices(N_MODELS, 1)
    pair = rng.integers(0, len(ii), n_battles)
    voters = rng.integers(1, max_voters + 1, n_battles)
    effect = rng.normal(0.0, BATTLE_SD, n_battles)
    battle = np.repeat(np.arange(n_battles), voters)
    a, b = ii[pair][battle], jj[pair][battle]
    p = 1 / (1 + np.exp(-(beta[a] - beta[b] + effect[battle])))
    outcome = np.where(rng.random(len(battle)) < p, 0, 1)
    return [f"m{k}" for k in range(N_MODELS)], a, b, outcome, battle


_TRUTH: dict = {}


def population_truth() -> np.ndarray:
    """The ratings the estimator targets: the fit on ~2M one-vote battles of the same process."""
    if "r" not in _TRUTH:
        rng = np.random.default_rng(12345)
        beta = np.linspace(-0.6, 0.6, N_MODELS)
        ii, jj = np.triu_indices(N_MODELS, 1)
        n = 2_000_000
        pair = rng.integers(0, len(ii), n)
        p = 1 / (1 + np.exp(-(beta[ii[pair]] - beta[jj[pair]] + rng.normal(0, BATTLE_SD, n))))
        outcome = np.where(rng.random(n) < p, 0, 1)
        board = rate_battles([f"m{k}" for k in range(N_MODELS)], ii[pair], jj[pair], outcome, ci="none")
        _TRUTH["r"] = np.array([board.row(f"m{k}").rating for k in range(N_MODELS)])
    return _TRUTH["r"]


def coverage(ci: str, clustered: bool, logs: int, rounds: int = 500) -> float:
    truth = population_truth()
    hits = total = 0
    for seed in range(logs):
        models, a, b, o, battle = grouped_votes(seed)
        counts = counts_from_votes(models, a, b, o, battle) if clustered else counts_from_battles(models, a, b, o)
        board = rate_counts(counts, ci=ci, rounds=rounds, seed=seed)
        for k, name in enumerate(models):
            row = board.row(name)
            hits += row.ci_lower <= truth[k] <= row.ci_upper
            total += 1
    return hits / total


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_per_vote_intervals_under_cover_and_clustered_ones_cover(ci):
    logs = 240
    naive = coverage(ci, clustered=False, logs=60)
    clustered = coverage(ci, clustered=True, logs=logs)
    print(f"{ci}: per-vote coverage {naive:.3f} (60 logs), clustered {clustered:.3f} ({logs} logs)")
    assert naive < 0.85  # the problem exists: treating voters as independent is overconfident
    assert 0.93 <= clustered <= 0.97


def test_one_voter_per_battle_gives_todays_intervals():
    models, a, b, o, _ = grouped_votes(3, max_voters=1)
    battle = np.arange(len(o))
    plain = rate_battles(models, a, b, o, ci="sandwich")
    clustered = rate_battles(models, a, b, o, battle=battle, ci="sandwich")
    for p, c in zip(plain.rows, clustered.rows):
        assert (p.model, p.rating) == (c.model, c.rating)
        assert c.ci_lower == pytest.approx(p.ci_lower, abs=1e-9)
        assert c.ci_upper == pytest.approx(p.ci_upper, abs=1e-9)
    boot_plain = rate_battles(models, a, b, o, ci="bootstrap", rounds=2000, seed=1)
    boot_clustered = rate_battles(models, a, b, o, battle=battle, ci="bootstrap", rounds=2000, seed=1)
    for p, c in zip(boot_plain.rows, boot_clustered.rows):
        # Different cells are drawn, so only Monte Carlo noise separates them (~2% of a width).
        assert c.ci_upper - c.ci_lower == pytest.approx(p.ci_upper - p.ci_lower, rel=0.06)


def test_clustered_intervals_are_wider_when_voters_agree():
    models, a, b, o, battle = grouped_votes(5)
    plain = rate_battles(models, a, b, o, ci="sandwich")
    clustered = rate_battles(models, a, b, o, battle=battle, ci="sandwich")
    ratio = np.mean([(c.ci_upper - c.ci_lower) / (p.ci_upper - p.ci_lower)
                     for p, c in zip(plain.rows, clustered.rows)])
    assert ratio > 1.3
    assert any("clustered by battle" in n for n in clustered.notes)


def test_stored_patterns_give_the_same_board_as_the_votes():
    models, a, b, o, battle = grouped_votes(7, n_battles=300)
    from_votes = counts_from_votes(models, a, b, o, battle)
    pat = from_votes.patterns
    # What a store keeps: per pair and vote pattern, the number of battles (sides may be swapped).
    rows = []
    for k in range(len(pat.pair)):
        x, y = models[from_votes.i[pat.pair[k]]], models[from_votes.j[pat.pair[k]]]
        if k % 2:  # store some rows from the other side
            rows.append((y, x, pat.wins_j[k], pat.wins_i[k], pat.ties[k], pat.both_bad[k], pat.battles[k]))
        else:
            rows.append({"model_a": x, "model_b": y, "wins_a": pat.wins_i[k], "wins_b": pat.wins_j[k],
                         "ties": pat.ties[k], "both_bad": pat.both_bad[k], "battles": pat.battles[k]})
    rows.append(("m0", "m0", 1, 0, 0, 0, 1))  # bad rows are counted, not used
    rows.append(("m0", "m1", -1, 0, 0, 0, 1))
    stored = rate_patterns(rows, ci="sandwich")
    direct = rate_counts(from_votes, ci="sandwich")
    assert [(r.model, round(r.rating, 9), round(r.ci_lower, 9)) for r in stored.rows] == \
        [(r.model, round(r.rating, 9), round(r.ci_lower, 9)) for r in direct.rows]
    assert sum(stored.rejected.values()) == 2
    assert counts_from_patterns(rows).patterns.n_battles == 300


def test_a_battle_id_reused_for_another_pair_makes_a_battle_of_its_own():
    counts = counts_from_votes(["a", "b", "c"], [0, 0, 1, 1], [1, 1, 2, 2], [0, 1, 0, 1], ["q1", "q1", "q1", "q2"])
    assert counts.rejected == {}
    assert counts.n_battles == 4 and counts.patterns.n_battles == 3  # (q1, a-b), (q1, b-c), (q2, b-c)
    ab = np.flatnonzero((counts.i == 0) & (counts.j == 1))[0]
    rows = counts.patterns.pair == ab
    assert (counts.patterns.wins_i[rows], counts.patterns.wins_j[rows]) == ([1.0], [1.0])
