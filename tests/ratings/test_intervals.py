"""Confidence intervals: reproducible bootstrap, agreement with the sandwich, measured coverage."""
from __future__ import annotations

import numpy as np
import pytest

from arenabot.ratings import PairCounts, rate_counts

C = 400 / np.log(10)


def synthetic_counts(seed: int, n_models: int = 8, games_per_pair: int = 40, tie_rate: float = 0.0):
    """Counts drawn from known strengths; returns (counts, true mean-centred ratings).

    Ties drawn independently of strength would compress the fitted ratings (a tie is half a win
    for each side), so coverage is measured without them; other tests add them."""
    rng = np.random.default_rng(seed)
    beta = np.linspace(-1.2, 1.2, n_models)
    ii, jj = np.triu_indices(n_models, 1)
    n = rng.poisson(games_per_pair, len(ii)).astype(float)
    ties = rng.binomial(n.astype(int), tie_rate).astype(float)
    p = 1 / (1 + np.exp(-(beta[ii] - beta[jj])))
    wins_i = rng.binomial((n - ties).astype(int), p).astype(float)
    wins_j = n - ties - wins_i
    names = [f"m{k}" for k in range(n_models)]
    truth = dict(zip(names, 1000 + C * (beta - beta.mean())))
    return PairCounts(names, ii, jj, wins_i, wins_j, ties, np.zeros(len(ii))), truth


def coverage(ci: str, draws: int, rounds: int = 200) -> tuple[float, float]:
    """Share of true ratings inside their 95% interval, and mean absolute rating error."""
    hits, total, errors = 0, 0, []
    for seed in range(draws):
        counts, truth = synthetic_counts(seed)
        board = rate_counts(counts, ci=ci, rounds=rounds, seed=seed)
        for row in board.rows:
            hits += row.ci_lower <= truth[row.model] <= row.ci_upper
            total += 1
            errors.append(abs(row.rating - truth[row.model]))
    return hits / total, float(np.mean(errors))


def test_sandwich_coverage_is_about_95_percent():
    rate, error = coverage("sandwich", draws=150)
    print(f"sandwich 95% CI coverage {rate:.3f}, mean abs rating error {error:.1f}")
    assert 0.92 <= rate <= 0.98
    assert error < 40


def test_bootstrap_coverage_is_about_95_percent():
    rate, error = coverage("bootstrap", draws=60, rounds=200)
    print(f"bootstrap 95% CI coverage {rate:.3f}, mean abs rating error {error:.1f}")
    assert 0.90 <= rate <= 0.985


def test_bootstrap_is_seeded_and_reproducible():
    counts, _ = synthetic_counts(1)
    first = rate_counts(counts, ci="bootstrap", rounds=300, seed=7)
    again = rate_counts(counts, ci="bootstrap", rounds=300, seed=7)
    other = rate_counts(counts, ci="bootstrap", rounds=300, seed=8)
    assert first.rows == again.rows
    assert [r.ci_lower for r in first.rows] != [r.ci_lower for r in other.rows]


@pytest.mark.parametrize("resample", ["fast-poisson", "poisson", "multinomial"])
def test_bootstrap_and_sandwich_widths_agree(resample):
    counts, _ = synthetic_counts(2, games_per_pair=200, tie_rate=0.2)
    sandwich = rate_counts(counts, ci="sandwich")
    boot = rate_counts(counts, ci="bootstrap", rounds=400, seed=0, resample=resample)
    for s, b in zip(sandwich.rows, boot.rows):
        assert s.model == b.model
        assert (b.ci_upper - b.ci_lower) == pytest.approx(s.ci_upper - s.ci_lower, rel=0.2)


def test_doubling_battles_does_not_narrow_intervals():
    counts, _ = synthetic_counts(3)
    once = rate_counts(counts, ci="sandwich")
    twice = rate_counts(counts, ci="sandwich", double=True)
    for a, b in zip(once.rows, twice.rows):
        assert b.ci_upper - b.ci_lower == pytest.approx(a.ci_upper - a.ci_lower, rel=1e-6)


def test_anchored_model_has_no_width_and_others_are_relative_to_it():
    counts, _ = synthetic_counts(4)
    board = rate_counts(counts, ci="sandwich", anchor=("m3", 1114.0))
    pinned = board.row("m3")
    assert pinned.rating == pytest.approx(1114.0)
    assert pinned.ci_upper - pinned.ci_lower == pytest.approx(0.0, abs=1e-6)
    assert all(r.ci_upper - r.ci_lower > 1 for r in board.rows if r.model != "m3")


def test_more_battles_give_narrower_intervals():
    small, _ = synthetic_counts(5, games_per_pair=20)
    large, _ = synthetic_counts(5, games_per_pair=500)
    width = lambda b: np.mean([r.ci_upper - r.ci_lower for r in b.rows])  # noqa: E731
    assert width(rate_counts(large)) < width(rate_counts(small)) / 3


@pytest.mark.parametrize("resample", ["fast-poisson", "poisson"])
def test_resampled_small_counts_follow_their_poisson_law(resample):
    # Small whole-number cells are drawn from CDF tables in fast-poisson mode: each resampled cell
    # must be Poisson(count), so a pair with one A win, two B wins and a tie redraws 4 battles on
    # average and none at all with probability e^-4.
    from arenabot.ratings.ci import _cells, _Resampler
    from arenabot.ratings.bt import FitOptions

    counts = PairCounts(["a", "b", "c"], np.array([0, 0]), np.array([1, 2]), np.array([1.0, 3.0]),
                        np.array([2.0, 0.0]), np.array([1.0, 0.0]), np.zeros(2))
    resampler = _Resampler(*_cells(counts, FitOptions()), len(counts.i), resample, factor=1.0)
    rounds = 40_000
    y, n = resampler.draw(np.random.default_rng(5), rounds)
    # Means within ~6 standard errors (sd of a Poisson(4) mean over 40k rounds is 0.01).
    assert abs(n[0].mean() - 4.0) < 0.06 and abs(n[1].mean() - 3.0) < 0.06
    assert abs(y[0].mean() - (1.0 + 0.5)) < 0.06 and abs(y[1].mean() - 3.0) < 0.06
    assert abs((n[0] == 0).mean() - np.exp(-4.0)) < 0.006
    assert abs((n[1] == 0).mean() - np.exp(-3.0)) < 0.01
    assert np.all(n == np.round(n))  # whole battles
