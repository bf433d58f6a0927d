"""Confidence intervals for Bradley-Terry strengths: sandwich (robust) and bootstrap.

Both return natural-scale (beta) intervals for the mean-centred or anchored strengths; the
board turns them into ratings. Intervals are two-sided at `level` (0.95 by default).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .bt import Fit, FitOptions, effective_counts, fit_batch, gradient_and_hessian, laplacian, regularised
from .counts import BattlePatterns, PairCounts
from .special import expit, normal_quantile, poisson_cdf


def _relative_to(anchor: int | None, m: int) -> np.ndarray:
    """Linear map from mean-zero strengths to the reported ones (centred, or anchor at 0)."""
    if anchor is None:
        return np.eye(m) - 1.0 / m
    a = np.eye(m)
    a[:, anchor] -= 1.0
    return a


def sandwich_se(counts: PairCounts, fit: Fit, opts: FitOptions, anchor: int | None) -> np.ndarray:
    """Standard errors (natural scale) from H^-1 M H^-1: robust to the model being wrong.

    The meat M sums each battle's squared score (outcome - predicted)^2 on the pair's Laplacian;
    a tie's outcome is 1/2. With `counts.patterns` a battle's score is the sum over its votes
    (the variance clustered by battle): several voters who saw the same two replies count as
    one correlated observation, not as independent ones. Doubling battles doubles their weight,
    which leaves the errors as they are (H doubles, M quadruples), as it should.
    """
    m = counts.n_models
    if m < 2:
        return np.zeros(m)
    i, j, beta = counts.i, counts.j, fit.beta
    p = expit(beta[i] - beta[j])
    weight = 2.0 if opts.double else 1.0
    if counts.patterns is not None:
        y_b, n_b = pattern_effective(counts.patterns, opts)
        pat = counts.patterns
        score = y_b - n_b * p[pat.pair]
        score_sq = np.bincount(pat.pair, pat.battles * score**2, len(i))
    else:
        score_sq = counts.wins_i * (1 - p) ** 2 + counts.wins_j * p**2
        if opts.ties == "half":
            score_sq = score_sq + (counts.ties + counts.both_bad) * (0.5 - p) ** 2
    meat = laplacian(i, j, weight**2 * score_sq, m)
    if fit.prior:
        # The virtual ties count as observations too, so the prior's own score enters the meat.
        sb = expit(beta)
        meat[np.diag_indices(m)] += fit.prior * (0.5 - sb) ** 2
    y, n = effective_counts(counts, opts)  # the Hessian depends on n only
    _, hess = gradient_and_hessian(beta, i, j, y, n, m, opts.l2_lambda, fit.prior)
    h_inv = np.linalg.inv(regularised(hess, opts.l2_lambda, fit.prior))
    cov = h_inv @ meat @ h_inv
    rel = _relative_to(anchor, m)
    cov = rel @ cov @ rel.T
    return np.sqrt(np.clip(np.diag(cov), 0.0, None))


def pattern_effective(patterns: BattlePatterns, opts: FitOptions) -> tuple[np.ndarray, np.ndarray]:
    """(y, n) of one battle per pattern: i's effective wins and the counted votes (undoubled)."""
    ties = patterns.ties + patterns.both_bad
    if opts.ties == "half":
        return patterns.wins_i + 0.5 * ties, patterns.wins_i + patterns.wins_j + ties
    return patterns.wins_i.astype(float), patterns.wins_i + patterns.wins_j


def z_value(level: float) -> float:
    return normal_quantile(0.5 + level / 2)


def _cells(counts: PairCounts, opts: FitOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the bootstrap redraws: (count, pair, y, n) per cell, where a cell is a kind of
    battle and `count` how many battles of that kind there are; one draw of a battle adds y
    effective wins for i out of n counted votes (before doubling).

    One vote per battle: three cells per pair (i wins, j wins, a tie of either kind). With
    `counts.patterns`, every pattern of votes within a battle is a cell, so whole battles with
    all their votes are resampled (the cluster bootstrap)."""
    if counts.patterns is not None:
        y, n = pattern_effective(counts.patterns, opts)
        live = n > 0
        pat = counts.patterns
        return pat.battles[live], pat.pair[live], y[live], n[live]
    ties = counts.ties + counts.both_bad
    if opts.ties == "drop":
        ties = np.zeros_like(ties)
    cells = np.stack([counts.wins_i, counts.wins_j, ties], axis=1)
    pair = np.repeat(np.arange(len(cells)), 3)
    y = np.tile([1.0, 0.0, 0.5 if opts.ties == "half" else 0.0], len(cells))
    n = np.ones(len(pair))
    return cells.ravel(), pair, y, n


# Cells with at least this many battles are redrawn from the Cornish-Fisher (skew-corrected
# normal) approximation of their Poisson count in "fast-poisson" mode: exact Poisson draws cost
# ~5x more here and the difference is far below the Monte Carlo noise of 1000 rounds.
FAST_POISSON_FROM = 10.0


def _poisson_tables(values: np.ndarray) -> dict[int, np.ndarray]:
    """Poisson CDF tables for small whole-number means, for exact draws by inversion."""
    tables = {}
    for lam in np.unique(values):
        k = np.arange(int(lam * 4 + 30))
        tables[int(lam)] = poisson_cdf(k, lam)  # P(X <= k)
    return tables


class _Resampler:
    """Draws resampled (Y, N), pairs x rounds. Live cells are ordered so each kind of draw is
    one contiguous block; a sparse map then sums cells into pairs."""

    def __init__(
        self, count: np.ndarray, pair: np.ndarray, y: np.ndarray, n: np.ndarray, n_pairs: int, resample: str, factor: float
    ):
        flat = count
        live = np.flatnonzero(flat > 0)
        lam = flat[live]
        small_int = (lam < FAST_POISSON_FROM) & (lam == np.round(lam))
        if resample != "fast-poisson":
            small_int[:] = False
        approx = (lam >= FAST_POISSON_FROM) if resample == "fast-poisson" else np.zeros(len(lam), bool)
        exact = ~small_int & ~approx
        # Block order: small whole means (sorted by mean, inverted from tables), other exact
        # Poisson draws, then approximated big cells.
        small_order = live[small_int][np.argsort(lam[small_int], kind="stable")]
        order = np.concatenate([small_order, live[exact], live[approx]])
        self.lam = flat[order]
        self.n_small = len(small_order)
        self.n_exact = self.n_small + int(exact.sum())
        self.tables = _poisson_tables(self.lam[: self.n_small])
        self.bounds = {v: np.searchsorted(self.lam[: self.n_small], [v, v + 0.5]) for v in self.tables}
        self.resample = resample
        self.total = int(round(flat.sum()))
        shape = (n_pairs, len(order))
        rows, cols = pair[order], np.arange(len(order))
        from scipy import sparse  # bootstrap only: keeps scipy.sparse out of a plain fit's imports

        self.to_y = sparse.csr_matrix((y[order] * factor, (rows, cols)), shape=shape)
        self.to_n = sparse.csr_matrix((n[order] * factor, (rows, cols)), shape=shape)

    def draw(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        lam = self.lam
        if self.resample == "multinomial":
            counts = rng.multinomial(self.total, lam / lam.sum(), size=size).T.astype(float)
        else:
            counts = np.empty((len(lam), size))
            for value, table in self.tables.items():
                lo, hi = self.bounds[value]
                u = rng.random((hi - lo, size))
                counts[lo:hi] = np.searchsorted(table, u, side="right")
            s, k = self.n_small, self.n_exact
            if k > s:
                counts[s:k] = rng.poisson(lam[s:k, None], size=(k - s, size))
            if k < len(lam):
                big = lam[k:, None].astype(np.float32)
                z = rng.standard_normal((len(lam) - k, size), dtype=np.float32)
                approx = z * np.sqrt(big)
                approx += big
                z *= z
                z -= 1.0
                z /= 6.0
                approx += z
                np.maximum(approx, 0.0, out=counts[k:])
        return self.to_y @ counts, self.to_n @ counts


def bootstrap_betas(
    counts: PairCounts,
    fit: Fit,
    opts: FitOptions,
    rounds: int,
    seed: int | None,
    resample: str = "fast-poisson",
    chunk: int = 64,
    workers: int | None = None,
    progress=None,
) -> np.ndarray:
    """Mean-zero strengths for `rounds` resamples of the battles (rounds x models). With
    `counts.patterns`, whole battles are resampled with all their votes (clusters).

    resample:
    - "multinomial": redraw exactly as many battles as there are, with replacement (what
      resampling the battle log does); needs whole-number counts, else "poisson" is used;
    - "poisson": each pair-outcome cell independently Poisson(count) (the Poisson bootstrap);
    - "fast-poisson" (default): the same, with big cells drawn from an accurate approximation
      (see FAST_POISSON_FROM): about 3x faster on arena-sized data.
    Chunks of rounds use child seeds of `seed`, so results depend only on seed, rounds and chunk,
    never on thread scheduling.
    """
    if resample not in ("multinomial", "poisson", "fast-poisson"):
        raise ValueError("resample must be 'multinomial', 'poisson' or 'fast-poisson'")
    if rounds < 1:
        raise ValueError("bootstrap rounds must be at least 1")
    m = counts.n_models
    count, pair, y, n = _cells(counts, opts)
    if resample == "multinomial" and not np.all(count == np.round(count)):
        resample = "poisson"  # weighted counts cannot be redrawn battle by battle
    factor = 2.0 if opts.double else 1.0
    resampler = _Resampler(count, pair, y, n, len(counts.i), resample, factor)
    starts = list(range(0, rounds, chunk))
    seeds = np.random.SeedSequence(seed).spawn(len(starts))
    out = np.empty((rounds, m))
    n_data = effective_counts(counts, opts)[1]

    def run(k: int) -> None:
        rng = np.random.default_rng(seeds[k])
        size = min(chunk, rounds - starts[k])
        Y, N = resampler.draw(rng, size)
        out[starts[k] : starts[k] + size] = fit_batch(counts.i, counts.j, Y, N, m, opts, fit, n_data)
        if progress:
            progress(size)

    workers = workers or min(2, os.cpu_count() or 1)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, range(len(starts))))
    else:
        for k in range(len(starts)):
            run(k)
    return out
