"""ratings/special.py (numpy stand-ins for the scipy.special functions the ratings used) agrees
with scipy.special everywhere, keeps float32, never overflows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as sp

from arenabot.ratings.elo import _POISSON1, bootstrap_elo
from arenabot.ratings.special import expit, log_expit, normal_cdf, normal_quantile, poisson_cdf

WIDE = np.concatenate([np.linspace(-700, 700, 20001), [0.0, -0.0, 1e-300, -1e-300, 36.7, -36.7, 745.0, -745.0]])


def test_expit_matches_scipy_to_rounding_in_both_tails():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no invalid value (underflow to 0 is fine)
        ours = expit(WIDE)
    want = sp.expit(WIDE)
    normal = want > 1e-300  # below that scipy's answer is subnormal (few significant digits)
    assert np.max(np.abs(ours[normal] - want[normal]) / want[normal]) < 1e-15
    assert np.all(ours[~normal] <= 1e-300)
    assert expit(-800.0) == 0.0 and expit(800.0) == 1.0 and np.isnan(expit(np.nan))


def test_log_expit_matches_scipy_without_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        ours = log_expit(WIDE)
    want = sp.log_expit(WIDE)
    assert np.max(np.abs(ours - want) / np.maximum(np.abs(want), 1e-300)) < 1e-15
    assert log_expit(-1000.0) == -1000.0  # exp(1000) would overflow in the naive formula


def test_expit_keeps_float32_and_writes_in_place():
    x = np.linspace(-90, 90, 6000, dtype=np.float32).reshape(3, -1)
    want = sp.expit(x.astype(np.float64))
    out = x.copy()
    result = expit(out, out=out)
    assert result is out and out.dtype == np.float32
    assert np.max(np.abs(out - want)) < 1e-7
    assert log_expit(x).dtype == np.float32
    assert expit(np.array([1, 2])).dtype == np.float64  # integers become floats
    assert isinstance(expit(0.5), float) or np.ndim(expit(0.5)) == 0


def test_normal_functions_match_scipy():
    z = np.linspace(-30, 8, 2001)
    want = sp.ndtr(z)
    assert np.max(np.abs(normal_cdf(z) - want) / want) < 1e-12  # lower tail keeps relative precision
    assert normal_cdf(np.zeros((2, 3))).shape == (2, 3)
    for p in (0.5, 0.9, 0.975, 0.995, 1e-9):
        assert normal_quantile(p) == pytest.approx(sp.ndtri(p), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("lam", [0.5, 1.0, 3.0, 7.0, 9.5])
def test_poisson_cdf_matches_scipy(lam):
    k = np.arange(int(lam * 4 + 30))
    assert np.max(np.abs(poisson_cdf(k, lam) - sp.pdtr(k, lam))) < 1e-14


def test_elo_bootstrap_equals_the_logistic_update_it_rewrites():
    # The vectorised Elo replay folds expit into tanh; replay it here with scipy's expit.
    rng = np.random.default_rng(3)
    n, m, rounds = 500, 6, 16
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    o = rng.integers(0, 4, n)
    got = bootstrap_elo(m, a, b, o, np.arange(n), rounds, np.random.default_rng(7), block=128)
    draw = np.random.default_rng(7)
    rating = np.full((m, rounds), 1000.0)
    score = np.where(o == 0, 1.0, np.where(o == 1, 0.0, 0.5))
    for start in range(0, n, 128):
        weights = _POISSON1[draw.integers(0, 65536, size=(min(128, n - start), rounds), dtype=np.uint16)] * 4.0
        for t in range(weights.shape[0]):
            x, y = a[start + t], b[start + t]
            delta = weights[t] * (score[start + t] - sp.expit((rating[x] - rating[y]) * np.log(10) / 400))
            rating[x] += delta
            rating[y] -= delta
    assert np.max(np.abs(got - rating.T)) < 1e-9
