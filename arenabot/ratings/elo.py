"""Online Elo in timestamp order, the way the Chatbot Arena published ratings before Dec 2023.

Each battle moves both ratings by K * (score - expected); ties (and both-bad) score 1/2 unless
dropped. The result depends on battle order, which is why the arena moved to Bradley-Terry;
it is kept for comparison with old boards.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .board import Board, make_board
from .counts import A_WINS, B_WINS, BOTH_BAD, TIE, counts_from_battles


def online_elo(
    n_models: int,
    model_a: np.ndarray,
    model_b: np.ndarray,
    outcome: np.ndarray,
    order: np.ndarray | None = None,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    ties: str = "half",
) -> np.ndarray:
    """Final ratings after replaying the battles in `order` (default: as given).

    Battles must be valid (indices in range, different models, outcome codes 0..3).
    """
    score_of = {A_WINS: 1.0, B_WINS: 0.0, TIE: 0.5, BOTH_BAD: 0.5}
    rating = [float(init)] * n_models
    idx = range(len(outcome)) if order is None else order
    a_list, b_list, o_list = np.asarray(model_a).tolist(), np.asarray(model_b).tolist(), np.asarray(outcome).tolist()
    for t in idx:
        o = o_list[t]
        if ties == "drop" and o >= TIE:
            continue
        a, b = a_list[t], b_list[t]
        ra, rb = rating[a], rating[b]
        expected_a = 1.0 / (1.0 + base ** ((rb - ra) / scale))
        delta = k * (score_of[o] - expected_a)
        rating[a] = ra + delta
        rating[b] = rb - delta
    return np.array(rating)


# Poisson(1) draws by table look-up: entry u is the quantile at (u + 1/2) / 65536, so a uniform
# 16-bit integer indexes an exact-to-1/65536 draw; ~15x cheaper than rng.poisson, which
# otherwise costs more than the Elo updates themselves.
_POISSON1 = np.searchsorted(
    np.cumsum(np.exp(-1.0) / np.cumprod(np.r_[1.0, np.arange(1, 20)])), (np.arange(65536) + 0.5) / 65536
).astype(np.float64)


def bootstrap_elo(
    n_models: int,
    model_a: np.ndarray,
    model_b: np.ndarray,
    outcome: np.ndarray,
    order: np.ndarray,
    rounds: int,
    rng: np.random.Generator,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    ties: str = "half",
    block: int = 2048,
    progress=None,
) -> np.ndarray:
    """Final ratings of `rounds` bootstrap replays (rounds x models), all in ONE pass of the log.

    Every round keeps the battles in `order`; round r counts battle t w[t, r] ~ Poisson(1) times
    (the Poisson bootstrap: like drawing the log with replacement, without materialising it),
    and a battle counted w times moves the ratings by w times its update. That equals replaying
    it w times in a row up to terms of order K^2 / scale^2 (K=4: far below the bootstrap's own
    noise). Each battle is one vectorised step over all rounds, so the cost is one replay of
    the log with short array operations instead of `rounds` replays in Python.
    """
    a_all = np.asarray(model_a, dtype=np.intp)
    b_all = np.asarray(model_b, dtype=np.intp)
    o_all = np.asarray(outcome, dtype=np.int64)
    idx = np.asarray(order, dtype=np.intp)
    if ties == "drop":
        idx = idx[o_all[idx] < TIE]
    # expit(x) = (1 + tanh(x / 2)) / 2, so score - expit(x) = (2 score - 1 - tanh(x / 2)) / 2: the
    # halves fold into the slope and the weights, keeping the inner loop at seven array calls
    # (tanh cannot overflow, and absolute accuracy is all an update needs).
    centred = np.where(o_all == A_WINS, 1.0, np.where(o_all == B_WINS, -1.0, 0.0))  # 2 score - 1
    a_seq, b_seq, s_seq = a_all[idx].tolist(), b_all[idx].tolist(), centred[idx].tolist()
    half_slope = 0.5 * np.log(base) / scale
    rating = np.full((n_models, rounds), float(init))  # one row per model: contiguous rounds
    d = np.empty(rounds)
    for start in range(0, len(idx), block):
        size = (min(block, len(idx) - start), rounds)
        weights = _POISSON1[rng.integers(0, 65536, size=size, dtype=np.uint16)]
        weights *= 0.5 * k
        for t in range(weights.shape[0]):
            x, y = a_seq[start + t], b_seq[start + t]
            ra, rb = rating[x], rating[y]
            np.subtract(ra, rb, out=d)
            d *= half_slope
            np.tanh(d, out=d)
            np.subtract(s_seq[start + t], d, out=d)  # 2 (score - expected)
            d *= weights[t]
            ra += d
            rb -= d
        if progress:
            progress(weights.shape[0] / len(idx) * rounds)
    return rating.T


def rate_elo(
    models: Sequence[str],
    model_a,
    model_b,
    outcome,
    tstamp=None,
    *,
    k: float = 4.0,
    ties: str = "half",
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    rounds: int = 0,
    seed: int | None = 0,
    level: float = 0.95,
    progress=None,
) -> Board:
    """Online-Elo board. Battles are replayed in timestamp order (stable for equal or missing
    stamps). With `rounds` > 0, intervals come from bootstrap replays of the log (see
    `bootstrap_elo`, kept in timestamp order); otherwise there are no intervals (ci "none":
    the bounds equal the rating, and should not be shown as an interval)."""
    counts = counts_from_battles(models, model_a, model_b, outcome)  # validates, counts rejects
    a = np.asarray(model_a, dtype=np.int64)
    b = np.asarray(model_b, dtype=np.int64)
    o = np.asarray(outcome, dtype=np.int64)
    m = len(models)
    ok = (a >= 0) & (a < m) & (b >= 0) & (b < m) & (a != b) & (o >= 0) & (o <= 3)
    a, b, o = a[ok], b[ok], o[ok]
    stamps = np.zeros(len(o)) if tstamp is None else np.nan_to_num(np.asarray(tstamp, float)[ok], nan=np.inf)
    order = np.argsort(stamps, kind="stable")
    ratings = online_elo(m, a, b, o, order, k, scale, base, init, ties)
    played = counts.battles_per_model() > 0
    if anchor is not None and anchor[0] in models and played[list(models).index(anchor[0])]:
        ratings += anchor[1] - ratings[list(models).index(anchor[0])]
    lower, upper = ratings.copy(), ratings.copy()
    if rounds > 0 and len(o):
        rng = np.random.default_rng(seed)
        done = [0.0]

        def step(x: float) -> None:  # progress in whole rounds, as the callers count them
            if progress:
                before, done[0] = int(done[0]), done[0] + x
                if int(done[0]) > before:
                    progress(int(done[0]) - before)

        boot = bootstrap_elo(m, a, b, o, order, rounds, rng, k, scale, base, init, ties, progress=step)
        if anchor is not None and anchor[0] in models:
            pin = list(models).index(anchor[0])
            boot += anchor[1] - boot[:, pin : pin + 1]
        tail = (1 - level) / 2 * 100
        lo, hi = np.percentile(boot, [tail, 100 - tail], axis=0)
        lower, upper = np.minimum(lo, ratings), np.maximum(hi, ratings)
    idx = np.flatnonzero(played)
    t = counts.ties + counts.both_bad
    if ties == "half":
        wins = np.bincount(counts.i, counts.wins_i + t / 2, m) + np.bincount(counts.j, counts.wins_j + t / 2, m)
        games = counts.battles_per_model()
    else:
        wins = np.bincount(counts.i, counts.wins_i, m) + np.bincount(counts.j, counts.wins_j, m)
        decisive = counts.wins_i + counts.wins_j
        games = np.bincount(counts.i, decisive, m) + np.bincount(counts.j, decisive, m)
    win_rate = np.divide(wins, games, out=np.zeros(m), where=games > 0)
    board = make_board(
        "elo",
        [models[int(x)] for x in idx],
        ratings[idx],
        lower[idx],
        upper[idx],
        counts.battles_per_model()[idx],
        win_rate[idx],
        counts.n_battles,
        "bootstrap" if rounds > 0 else "none",
        unrated=[models[int(x)] for x in np.flatnonzero(~played)],
        rejected=dict(counts.rejected),
    )
    return board
