"""Sandwich intervals against what they must equal: the closed form for two models, and the
identities between centred and anchored strengths that hold whatever the fit (prior, penalty).

A board of two models, or one with a model that never lost (the prior steps in), is common on a
young server; these tests pin the interval widths users read there."""
from __future__ import annotations

import numpy as np
import pytest

from arenabot.ratings import PairCounts
from arenabot.ratings.bt import FitOptions, fit_counts
from arenabot.ratings.ci import sandwich_se


def two_models(wins_a: float, wins_b: float, ties: float = 0.0, both_bad: float = 0.0) -> PairCounts:
    one = np.array
    return PairCounts(["a", "b"], one([0]), one([1]), one([wins_a]), one([wins_b]), one([ties]), one([both_bad]))


@pytest.mark.parametrize(("wins_a", "wins_b", "ties", "both_bad"), [(30, 10, 0, 0), (12, 20, 8, 0), (12, 20, 3, 5), (3, 1, 0, 0)])
def test_two_models_standard_errors_are_the_closed_form(wins_a, wins_b, ties, both_bad):
    counts, opts = two_models(wins_a, wins_b, ties, both_bad), FitOptions()
    fit = fit_counts(counts, opts)
    # Var(beta_a - beta_b) = meat / H^2 with p = a's share (a tie or a both-bad half a win),
    # H = n p (1 - p) and meat the squared scores: a win (1 - p)^2, a loss p^2, a tie (1/2 - p)^2.
    ties = ties + both_bad
    n = wins_a + wins_b + ties
    p = (wins_a + ties / 2) / n
    meat = wins_a * (1 - p) ** 2 + wins_b * p**2 + ties * (0.5 - p) ** 2
    se_difference = np.sqrt(meat) / (n * p * (1 - p))
    assert sandwich_se(counts, fit, opts, anchor=0) == pytest.approx([0.0, se_difference], rel=1e-6)
    assert sandwich_se(counts, fit, opts, anchor=None) == pytest.approx([se_difference / 2] * 2, rel=1e-6)


def test_the_priors_virtual_ties_count_in_the_errors():
    """A model that never lost: the prior's virtual tie against a phantom of strength 0 is an
    observation too, with its own score (1/2 - sigmoid(beta)) in the meat and curvature in H."""
    counts, opts = two_models(5, 0), FitOptions()
    fit = fit_counts(counts, opts)
    assert fit.prior == 1.0
    beta = fit.beta
    s = 1 / (1 + np.exp(-(beta[0] - beta[1])))
    sk = 1 / (1 + np.exp(-beta))
    pair = np.array([[1.0, -1.0], [-1.0, 1.0]])
    hess = 5 * s * (1 - s) * pair + np.diag(fit.prior * sk * (1 - sk))
    meat = 5 * (1 - s) ** 2 * pair + np.diag(fit.prior * (0.5 - sk) ** 2)
    cov = np.linalg.inv(hess) @ meat @ np.linalg.inv(hess)
    se_difference = np.sqrt(cov[0, 0] - 2 * cov[0, 1] + cov[1, 1])
    assert sandwich_se(counts, fit, opts, anchor=1) == pytest.approx([se_difference, 0.0], rel=1e-6)


@pytest.mark.parametrize(
    ("counts", "opts"),
    [
        (two_models(5, 0), FitOptions()),  # a never lost: the prior keeps the ratings finite
        (two_models(9, 4, 2), FitOptions(l2_C=0.05)),  # a strong penalty
        (two_models(9, 4, 2), FitOptions(l2_C=0.05, double=True)),
    ],
)
def test_centred_errors_are_half_the_anchored_ones_with_a_prior_or_a_penalty(counts, opts):
    """With two models the centred strengths are +-(a - b)/2, whatever pulled the fit."""
    fit = fit_counts(counts, opts)
    anchored = sandwich_se(counts, fit, opts, anchor=1)
    centred = sandwich_se(counts, fit, opts, anchor=None)
    assert anchored[1] == 0.0 and anchored[0] > 0
    assert centred == pytest.approx([anchored[0] / 2] * 2, rel=1e-9)


def test_a_single_model_has_a_zero_width_interval():
    one = np.zeros(0, dtype=int)
    counts = PairCounts(["solo"], one, one, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    opts = FitOptions()
    se = sandwich_se(counts, fit_counts(counts, opts), opts, anchor=None)
    assert se.shape == (1,) and se[0] == 0.0


def _spread_counts(weight: float = 1.0) -> PairCounts:
    ii, jj = np.triu_indices(3, 1)
    one = np.array
    return PairCounts(["a", "b", "c"], ii, jj, one([6.0, 9, 4]) * weight, one([3.0, 2, 5]) * weight,
                      one([1.0, 0, 2]) * weight, np.zeros(3))


def _bootstrap(counts: PairCounts, resample: str, rounds: int = 64):
    from arenabot.ratings.ci import bootstrap_betas

    opts = FitOptions()
    return bootstrap_betas(counts, fit_counts(counts, opts), opts, rounds, seed=3, resample=resample, workers=1)


def test_multinomial_resampling_is_its_own_scheme_until_counts_are_weighted():
    """`--resample multinomial` redraws exactly the battles there are; it falls back to Poisson
    draws only for weighted (fractional) counts, which cannot be redrawn battle by battle."""
    whole = _spread_counts()
    assert not np.allclose(_bootstrap(whole, "multinomial"), _bootstrap(whole, "poisson"))
    weighted = _spread_counts(weight=0.75)
    assert np.array_equal(_bootstrap(weighted, "multinomial"), _bootstrap(weighted, "poisson"))


def test_a_single_bootstrap_round_is_allowed_and_none_is_refused():
    assert _bootstrap(_spread_counts(), "fast-poisson", rounds=1).shape == (1, 3)
    with pytest.raises(ValueError, match="at least 1"):
        _bootstrap(_spread_counts(), "fast-poisson", rounds=0)
