"""Choosing which two models fight: by weight, with battle targets, never a model against itself.

Two strategies:
- "weighted" (default): pair (i, j) with probability proportional to w_i * w_j, targets boosted;
- "active": most draws spent where intervals are widest, against near opponents (see
  `_need_allocation`): each model gets a share of the next votes in proportion to its rating's
  variance, and plays opponents close to it in rating, where a vote carries the most
  information (p(1-p)). A `floor` share of draws stays with the weighted rule, so every enabled
  model keeps a share and a stale board cannot lock sampling onto a few pairs. It needs the
  current board (anything with `.rows` of model, rating, ci_lower, ci_upper and optionally
  battles, e.g. `arenabot.ratings.rate_pairs(...)`); models missing from it are treated as very
  uncertain, so they are explored first. Measured (bench/sampling_bench.py, 129 models, 9
  seeds): see that bench's docstring; it saves votes towards a trustworthy order (Kendall tau)
  but not the 40% the issue hoped for, and about as many votes as uniform pairing are needed
  before every interval is narrow (uniform already keeps all intervals nearly equal there).
Both honour moderator weights (a factor w_i * w_j on every pair), preferred opponents
(`Candidate.targets`) and a boost for new models (`new_model_boost` until a model has
`new_model_battles` battles on the board, as FastChat boosts new models).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from arenabot.ratings.special import expit

TARGET_BOOST = 10.0  # targets are strongly preferred, not exclusive
# A model missing from the board is treated as this uncertain (rating points, one sd): an
# unrated model is worth exploring before anything else.
UNRATED_SD = 350.0
# Share of draws that follow the weighted rule under "active": every enabled model keeps at
# least this share of its weighted battles.
ACTIVE_FLOOR = 0.15
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


def _board_stats(board) -> dict[str, tuple[float, float, float]]:
    """model -> (rating, sd, battles) from a board's rows (sd from the 95% interval width)."""
    stats = {}
    for row in getattr(board, "rows", None) or []:
        sd = max((row.ci_upper - row.ci_lower) / (2 * Z95), 1e-9)
        stats[row.model] = (row.rating, sd, float(getattr(row, "battles", 0) or 0))
    return stats


def pair_weights(
    candidates: Sequence[Candidate],
    board=None,
    strategy: str = "weighted",
    *,
    floor: float = ACTIVE_FLOOR,
    new_model_boost: float = 1.0,
    new_model_battles: int = 0,
    counts=None,
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every eligible pair (by name) and its sampling weight (summing to 1); see `sample_pair`.

    `counts` (optional, a `PairCounts` of the battles behind `board`) lets "active" use the
    ratings' full covariance instead of treating the board's intervals as independent."""
    if strategy not in ("weighted", "active"):
        raise ValueError(f"strategy must be 'weighted' or 'active', not {strategy!r}")
    if not 0 <= floor <= 1:
        raise ValueError("floor must be between 0 and 1")
    if new_model_boost <= 0:
        raise ValueError("new_model_boost must be positive (1 means no boost)")
    pool: dict[str, Candidate] = {}
    for c in candidates:
        if c.weight > 0 and c.available:
            pool.setdefault(c.name, c)  # one entry per model
    if len(pool) < 2:
        raise NotEnoughModels("at least two enabled, available models with positive weight are needed")
    cands = list(pool.values())
    stats = _board_stats(board)
    ii, jj = np.triu_indices(len(cands), 1)
    w_model = np.array([c.weight for c in cands], dtype=float)
    if new_model_boost != 1.0 and new_model_battles > 0:
        battles = np.array([stats.get(c.name, (0, 0, 0.0))[2] for c in cands])
        w_model = np.where(battles < new_model_battles, w_model * new_model_boost, w_model)
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
    weights = weights / weights.sum()
    if strategy == "active":
        active = weights * _need_allocation(cands, ii, jj, stats, counts)
        total = active.sum()
        if total > 0 and np.isfinite(total):
            weights = floor * weights + (1 - floor) * active / total
    pairs = [(cands[i].name, cands[j].name) for i, j in zip(ii.tolist(), jj.tolist(), strict=True)]
    return pairs, weights


def _information(cands, rating, counts) -> np.ndarray:
    """Fisher information matrix of the ratings (natural scale) from the battles so far: the
    Laplacian of n_ij p_ij (1 - p_ij), plus a weak prior (UNRATED_SD) that keeps it invertible
    and makes a model with no battles very uncertain."""
    m = len(cands)
    c = 400.0 / math.log(10.0)
    info = np.zeros((m, m))
    if counts is not None and len(counts.i):
        position = {x.name: k for k, x in enumerate(cands)}
        ours = np.array([position.get(name, -1) for name in counts.models])
        a, b = ours[counts.i], ours[counts.j]
        keep = (a >= 0) & (b >= 0)
        a, b, n = a[keep], b[keep], counts.totals[keep]
        p = expit(rating[a] - rating[b])
        w = n * p * (1 - p)
        np.add.at(info, (a, b), -w)
        np.add.at(info, (b, a), -w)
        info[np.diag_indices(m)] -= info.sum(axis=1)
    info[np.diag_indices(m)] += (c / UNRATED_SD) ** 2
    return info


OPPONENT_SHARPNESS = 4.0  # opponents weighted by (p(1-p))^this: near in rating, far pairs rarely


def _need_allocation(cands, ii, jj, stats, counts=None) -> np.ndarray:
    """Each model's share of the next votes in proportion to its rating's variance (the widest
    intervals first; unrated models are the widest), spent against opponents near it in rating
    (a vote's information is p(1-p), largest for close pairs; weights (p(1-p))^OPPONENT_SHARPNESS).
    Pair (i, j) gets i's share times j's weight among i's opponents, plus the converse.

    Measured against the rule it replaced (A-optimal reduction of the variance of overlapping
    pairs' differences, in git history): it orders the board about as fast and wastes far fewer
    votes on the interval-width goal (figures: bench/sampling_bench.py)."""
    c = 400.0 / math.log(10.0)
    m = len(cands)
    rated = [x.name in stats for x in cands]
    mean = float(np.mean([s[0] for s in stats.values()])) if stats else 1000.0
    rating = np.array([stats[x.name][0] if r else mean for x, r in zip(cands, rated, strict=True)]) / c
    if counts is not None:
        centre = np.eye(m) - 1.0 / m
        var = np.diag(centre @ np.linalg.inv(_information(cands, rating, counts)) @ centre).copy()
    else:
        var = (np.array([stats[x.name][1] if r else UNRATED_SD for x, r in zip(cands, rated, strict=True)]) / c) ** 2
    var = np.clip(var, 1e-12, None)
    p = expit(rating[ii] - rating[jj])
    near = np.zeros((m, m))
    near[ii, jj] = (p * (1 - p)) ** OPPONENT_SHARPNESS
    near = near + near.T
    near /= near.sum(axis=1, keepdims=True)
    alloc = (var / var.sum())[:, None] * near
    return alloc[ii, jj] + alloc[jj, ii]


def sample_pair(
    candidates: Sequence[Candidate], rng: random.Random, board=None, strategy: str = "weighted", **options
) -> tuple[str, str]:
    """Two different models, sides already randomised: (model_a, model_b).

    "weighted": pair (i, j) is drawn with probability proportional to w_i * w_j (times
    TARGET_BOOST when one names the other as a target), so a model's share of battles follows
    its weight. "active": mostly by that weight times the pair's expected reduction of the
    uncertainty on `board` (see the module docstring), with a `floor` share by weight.
    `options` are `pair_weights`'s keywords (floor, new_model_boost, new_model_battles, counts).
    Models with zero weight or not available are never drawn. Raises NotEnoughModels when fewer
    than two models are eligible.
    """
    pairs, weights = pair_weights(candidates, board, strategy, **options)
    a, b = rng.choices(pairs, weights=weights.tolist(), k=1)[0]
    return (a, b) if rng.random() < 0.5 else (b, a)
