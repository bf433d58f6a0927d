"""Online Elo, style control and win-rate matrices."""
from __future__ import annotations

import numpy as np
import pytest

from arenabot.ratings import (
    A_WINS, B_WINS, TIE, bootstrap_elo, counts_from_battles, online_elo, rate_battles, rate_elo, rate_style, style_features,
    win_rates,
)


def naive_elo(battles, k=4.0):
    rating = {}
    for a, b, winner in battles:
        ra, rb = rating.get(a, 1000.0), rating.get(b, 1000.0)
        ea = 1 / (1 + 10 ** ((rb - ra) / 400))
        sa = {"a": 1.0, "b": 0.0, "tie": 0.5}[winner]
        rating[a] = ra + k * (sa - ea)
        rating[b] = rb + k * ((1 - sa) - (1 - ea))
    return rating


def test_online_elo_follows_the_textbook_update():
    battles = [("x", "y", "a"), ("y", "z", "tie"), ("z", "x", "b"), ("x", "y", "b"), ("y", "z", "a")]
    names = ["x", "y", "z"]
    code = {"a": A_WINS, "b": B_WINS, "tie": TIE}
    ours = online_elo(3, [names.index(a) for a, _, _ in battles], [names.index(b) for _, b, _ in battles],
                      [code[w] for _, _, w in battles])
    ref = naive_elo(battles)
    assert ours == pytest.approx([ref[n] for n in names])


def test_elo_replays_in_timestamp_order_and_order_matters():
    names = ["x", "y"]
    a, b, o = [0, 0, 0], [1, 1, 1], [A_WINS, A_WINS, B_WINS]
    forward = rate_elo(names, a, b, o, tstamp=[1.0, 2.0, 3.0]).ratings()
    backward = rate_elo(names, a, b, o, tstamp=[3.0, 2.0, 1.0]).ratings()
    assert forward["x"] != pytest.approx(backward["x"])
    given_order = online_elo(2, [0, 0, 0], [1, 1, 1], [B_WINS, A_WINS, A_WINS])
    assert backward["x"] == pytest.approx(given_order[0])
    assert sum(forward.values()) == pytest.approx(2000.0)  # zero-sum updates


def test_elo_k_factor_and_bootstrap_interval():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, 300)
    b = (a + rng.integers(1, 4, 300)) % 4
    o = np.where(rng.random(300) < 0.5 + 0.1 * (b - a), A_WINS, B_WINS)
    names = list("pqrs")
    k4 = rate_elo(names, a, b, o, k=4).ratings()
    k32 = rate_elo(names, a, b, o, k=32).ratings()
    assert np.ptp(list(k32.values())) > np.ptp(list(k4.values()))
    board = rate_elo(names, a, b, o, rounds=30, seed=1)
    assert board.ci == "bootstrap"
    assert all(r.ci_lower <= r.rating <= r.ci_upper and r.ci_upper > r.ci_lower for r in board.rows)


def _style_battles(gamma, n=6000, seed=0):
    rng = np.random.default_rng(seed)
    m = 6
    beta = np.linspace(-0.8, 0.8, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    raw_a = np.c_[rng.lognormal(6, 0.6, n), rng.poisson(2, (n, 3))]
    raw_b = np.c_[rng.lognormal(6, 0.6, n), rng.poisson(2, (n, 3))]
    x = style_features(raw_a, raw_b)
    p = 1 / (1 + np.exp(-(beta[a] - beta[b] + x @ gamma)))
    o = np.where(rng.random(n) < p, A_WINS, B_WINS)
    return [f"s{k}" for k in range(m)], a, b, o, x, beta


def test_style_features_are_standardised_differences():
    x = style_features(np.array([[10.0], [0.0], [5.0]]), np.array([[0.0], [10.0], [5.0]]))
    raw = np.array([10 / 11, -10 / 11, 0.0])
    assert x[:, 0] == pytest.approx((raw - raw.mean()) / raw.std())
    assert style_features(np.ones((3, 1)), np.ones((3, 1)))[:, 0] == pytest.approx([0, 0, 0])


def test_style_control_recovers_coefficients_and_adjusted_ratings():
    gamma = np.array([0.6, 0.0, 0.25, 0.0])
    names, a, b, o, x, beta = _style_battles(gamma)
    board = rate_style(names, a, b, o, x)
    style = board.extra["style"]
    for name, true in zip(("length", "headers", "lists", "bold"), gamma):
        assert style[name]["ci_lower"] - 0.02 <= true <= style[name]["ci_upper"] + 0.02
    truth = 1000 + 400 / np.log(10) * (beta - beta.mean())
    ours = board.ratings()
    assert max(abs(ours[n] - t) for n, t in zip(names, truth)) < 25


def test_without_style_effect_style_control_agrees_with_plain_bt():
    names, a, b, o, x, _ = _style_battles(np.zeros(4), seed=2)
    styled = rate_style(names, a, b, o, x, ci="none").ratings()
    plain = rate_battles(names, a, b, o, ci="none").ratings()
    assert max(abs(styled[n] - plain[n]) for n in names) < 3
    assert all(abs(v["coef"]) < 0.1 for v in rate_style(names, a, b, o, x).extra["style"].values())


def test_style_bootstrap_gives_intervals():
    names, a, b, o, x, _ = _style_battles(np.array([0.5, 0, 0, 0]), n=800, seed=3)
    board = rate_style(names, a, b, o, x, ci="bootstrap", rounds=20, seed=0)
    assert all(r.ci_lower <= r.rating <= r.ci_upper for r in board.rows)
    s = board.extra["style"]["length"]
    assert s["ci_lower"] < s["coef"] < s["ci_upper"]


def test_win_rate_matrices():
    counts = counts_from_battles(["x", "y", "z"], [0, 0, 1, 1], [1, 1, 0, 2], [A_WINS, TIE, A_WINS, B_WINS])
    wr = win_rates(counts, {"x": 1100.0, "y": 1000.0, "z": 900.0})
    assert wr.battles[0, 1] == wr.battles[1, 0] == 3
    assert wr.observed[0, 1] == pytest.approx(1.5 / 3)
    assert wr.observed[1, 0] == pytest.approx(1.5 / 3)
    assert wr.observed[2, 1] == pytest.approx(1.0)
    assert wr.observed[0, 2] == 0.0 and wr.battles[0, 2] == 0  # never met
    assert wr.predicted[0, 1] == pytest.approx(1 / (1 + 10 ** (-100 / 400)))
    assert wr.predicted + wr.predicted.T == pytest.approx(np.ones((3, 3)))


class _AllOnes:
    """A stand-in generator whose Poisson draws are all 1: every round is the plain replay."""

    def integers(self, low, high, size, dtype):
        return np.full(size, 30_000, dtype=dtype)  # the middle of the table's run of ones


def _random_log(n=2000, m=5, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1 / (1 + np.exp(-(a - b) * 0.3))
    u = rng.random(n)
    o = np.where(u < 0.15, TIE, np.where(rng.random(n) < p, A_WINS, B_WINS))
    return a, b, o


@pytest.mark.parametrize("ties", ["half", "drop"])
def test_vectorised_elo_bootstrap_rounds_replay_the_log_exactly(ties):
    a, b, o = _random_log()
    order = np.random.default_rng(1).permutation(len(o))
    boot = bootstrap_elo(5, a, b, o, order, rounds=3, rng=_AllOnes(), k=8, ties=ties, block=300)
    plain = online_elo(5, a, b, o, order, k=8, ties=ties)
    for r in range(3):
        assert boot[r] == pytest.approx(plain, abs=1e-9)


def test_vectorised_elo_bootstrap_matches_replaying_resampled_logs():
    """Same spread as the old method (each round a Python replay of the log drawn with
    replacement, in time order), within Monte Carlo noise."""
    a, b, o = _random_log(n=1500, seed=2)
    rng = np.random.default_rng(3)
    slow = []
    for _ in range(300):
        pick = np.sort(rng.integers(0, len(o), len(o)))
        slow.append(online_elo(5, a, b, o, pick))
    fast = bootstrap_elo(5, a, b, o, np.arange(len(o)), rounds=300, rng=np.random.default_rng(4))
    assert fast.std(axis=0) == pytest.approx(np.std(slow, axis=0), rel=0.2)
    assert fast.mean(axis=0) == pytest.approx(np.mean(slow, axis=0), abs=3.0)


def test_elo_without_rounds_says_it_has_no_intervals():
    a, b, o = _random_log(n=200)
    assert rate_elo(list("pqrst"), a, b, o).ci == "none"
