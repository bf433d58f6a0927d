"""Choosing which two models fight: by weight, with battle targets, never a model against itself.

Two strategies:
- "weighted" (default): pair (i, j) with probability proportional to w_i * w_j, targets boosted;
- "active": additionally weigh each pair by how much its next vote is expected to reduce the
  number of model pairs the current leaderboard orders wrongly, the top 10 counting more (see
  `_active_values`). Votes go where the ranking is still in doubt and a vote can settle it;
  models without ratings are explored first. It needs the current board (anything with `.rows` of model, rating,
  ci_lower, ci_upper, e.g. `arenabot.ratings.rate_pairs(...)`).
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

TARGET_BOOST = 10.0  # targets are strongly preferred, not exclusive
# A model missing from the board is treated as this uncertain (rating points, one sd): an
# unrated model is worth exploring before anything else.
UNRATED_SD = 350.0
# Every eligible pair keeps this share of the average active value, so no pair is starved and
# a stale board cannot lock sampling onto a few pairs.
EXPLORATION_FLOOR = 0.02
TOP_FOCUS = 10  # the active rule weighs order within the top 10 ...
SHARPNESS = 2.0  # sampling follows value ** SHARPNESS
TOP_WEIGHT = 10.0  # ... this many times more than order elsewhere
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Candidate:
    name: str
    weight: float = 1.0
    # Preferred opponents: when set, this model's battles are drawn against these when possible.
    targets: tuple[str, ...] = field(default_factory=tuple)
    # False for a model that is failing right now (provider down): never drawn.
    available: bool = True


class NotEnoughModels(Exception):
    pass


def _board_stats(board) -> dict[str, tuple[float, float]]:
    """model -> (rating, sd) from a board's rows (sd from the 95% interval width)."""
    stats = {}
    for row in getattr(board, "rows", None) or []:
        sd = max((row.ci_upper - row.ci_lower) / (2 * Z95), 1e-9)
        stats[row.model] = (row.rating, sd)
    return stats


def pair_weights(candidates: Sequence[Candidate], board=None, strategy: str = "weighted"
                 ) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every eligible pair (by name) and its unnormalised sampling weight; see `sample_pair`."""
    if strategy not in ("weighted", "active"):
        raise ValueError(f"strategy must be 'weighted' or 'active', not {strategy!r}")
    pool: dict[str, Candidate] = {}
    for c in candidates:
        if c.weight > 0 and c.available:
            pool.setdefault(c.name, c)  # one entry per model
    if len(pool) < 2:
        raise NotEnoughModels("at least two enabled, available models with positive weight are needed")
    cands = list(pool.values())
    ii, jj = np.triu_indices(len(cands), 1)
    w_model = np.array([c.weight for c in cands], dtype=float)
    weights = w_model[ii] * w_model[jj]
    position = {c.name: k for k, c in enumerate(cands)}
    for k, c in enumerate(cands):
        for t in c.targets:
            other = position.get(t)
            if other is None or other == k:
                continue
            lo, hi = min(k, other), max(k, other)
            idx = lo * len(cands) - lo * (lo + 1) // 2 + (hi - lo - 1)  # row-major triu index
            weights[idx] = w_model[lo] * w_model[hi] * TARGET_BOOST
    if strategy == "active":
        weights = weights * _active_values(cands, ii, jj, _board_stats(board))
    pairs = [(cands[i].name, cands[j].name) for i, j in zip(ii.tolist(), jj.tolist())]
    return pairs, weights


def _active_values(cands, ii, jj, stats) -> np.ndarray:
    """Expected drop in the (top-weighted) number of misordered pairs from one vote on each pair.

    For models i, k with rating gap d and gap uncertainty sd (independent errors, natural
    scale), P(misordered) = Phi(-|d| / sd). A vote between i and j adds Fisher information
    p(1-p) about each of them, shrinking var_i by about var_i^2 p(1-p); the misorder chance of
    every pair (i, k) falls by d P / d var_i times that. Summing over all k counts every pair
    the ranking could get wrong (what Kendall tau measures), with pairs inside the top
    TOP_FOCUS weighted TOP_WEIGHT times more (the top of a leaderboard is what people read).
    Coin flips (gap ~ 0) and settled pairs (gap >> sd) contribute little, so votes flow to
    comparisons that a few more votes can still settle. Unrated models come first.
    """
    c = 400.0 / math.log(10.0)
    rated = np.array([x.name in stats for x in cands])
    mean = float(np.mean([r for r, _ in stats.values()])) if stats else 1000.0
    rating = np.array([stats.get(x.name, (mean, UNRATED_SD))[0] for x in cands]) / c
    var = (np.array([stats.get(x.name, (mean, UNRATED_SD))[1] for x in cands]) / c) ** 2
    gap = np.abs(rating[:, None] - rating[None, :])
    sd = np.sqrt(var[:, None] + var[None, :])
    # d/dvar_i of Phi(-gap/sd): phi(gap/sd) * gap / (2 sd^3)
    slope = np.exp(-0.5 * (gap / sd) ** 2) / math.sqrt(2 * math.pi) * gap / (2 * sd ** 3)
    order = np.argsort(-rating, kind="stable")
    top = np.zeros(len(cands), dtype=bool)
    top[order[:TOP_FOCUS + 2]] = True  # a margin: #11 and #12 decide who is #10
    slope *= 1.0 + (TOP_WEIGHT - 1.0) * (top[:, None] & top[None, :])
    np.fill_diagonal(slope, 0.0)
    pressure = var ** 2 * slope.sum(axis=1)  # how much shrinking var_i would help
    p = expit(rating[ii] - rating[jj])
    # Squared: draw decisively towards the most valuable pairs (a flat draw wastes most votes).
    values = (p * (1 - p) * (pressure[ii] + pressure[jj])) ** SHARPNESS
    known = rated[ii] & rated[jj]
    top_value = float(values[known].max()) if known.any() else 1.0
    avg = float(values[known].mean()) if known.any() else 1.0
    values = np.where(known, values, top_value or 1.0)  # pairs with an unrated model: top priority
    return values + EXPLORATION_FLOOR * (avg or top_value or 1.0)


def sample_pair(candidates: Sequence[Candidate], rng: random.Random, board=None,
                strategy: str = "weighted") -> tuple[str, str]:
    """Two different models, sides already randomised: (model_a, model_b).

    "weighted": pair (i, j) is drawn with probability proportional to w_i * w_j (times
    TARGET_BOOST when one names the other as a target), so a model's share of battles follows
    its weight. "active": that weight times the pair's expected value for the ranking on
    `board` (see the module docstring).
    Models with zero weight or not available are never drawn. Raises NotEnoughModels when fewer
    than two models are eligible.
    """
    pairs, weights = pair_weights(candidates, board, strategy)
    a, b = rng.choices(pairs, weights=weights.tolist(), k=1)[0]
    return (a, b) if rng.random() < 0.5 else (b, a)
