"""Choosing which two models fight: by weight, with battle targets, never a model against itself.

Two strategies:
- "weighted" (default): pair (i, j) with probability proportional to w_i * w_j, targets boosted;
- "active": the pairs whose next votes most reduce what the board still gets wrong, planned as a
  batch (see `_need_allocation`): half of the planned votes go where the order of two models is
  in doubt (sum over pairs of P(order wrong)), half to the widest intervals, each vote valued by
  its information p(1-p) and by the ratings' full covariance. A `floor` share of draws stays
  with the weighted rule, so every enabled model keeps a share and a stale board cannot lock
  sampling onto a few pairs. It needs the current board (anything with `.rows` of model,
  rating, ci_lower, ci_upper and optionally battles, e.g. `arenabot.ratings.rate_pairs(...)`)
  and preferably the counts behind it; models missing from the board are treated as very
  uncertain, so they are explored first. The plan is cached per board, so only the first battle
  after the board changes pays for it. Measured against uniform pairing (bench/sampling_bench.py,
  the published 2024-08-28 board and a normal spread, 9 seeds each): see docs/decisions.md;
  it saves votes on both goals, less than 40%, which that bench shows no rule can reach on the
  interval goal.
Both honour moderator weights (a factor w_i * w_j on every pair), preferred opponents
(`Candidate.targets`) and a boost for new models (`new_model_boost` until a model has
`new_model_battles` battles on the board, as FastChat boosts new models).
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arenabot.ratings.special import expit, normal_cdf

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
    floor: float | None = None,
    new_model_boost: float = 1.0,
    new_model_battles: int = 0,
    counts=None,
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every eligible pair (by name) and its sampling weight (summing to 1); see `sample_pair`.

    `counts` (optional, a `PairCounts` of the battles behind `board`) lets "active" use the
    ratings' full covariance instead of treating the board's intervals as independent."""
    if strategy not in ("weighted", "active"):
        raise ValueError(f"strategy must be 'weighted' or 'active', not {strategy!r}")
    floor = ACTIVE_FLOOR if floor is None else floor
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
        active = weights * _planned(cands, ii, jj, stats, board, counts)
        total = active.sum()
        if total > 0 and np.isfinite(total):
            weights = floor * weights + (1 - floor) * active / total
    pairs = [(cands[i].name, cands[j].name) for i, j in zip(ii.tolist(), jj.tolist(), strict=True)]
    return pairs, weights


# The plan for a board is reused until the board changes (a battle is one draw from it).
_PLANS: OrderedDict[tuple, tuple[Any, Any, np.ndarray]] = OrderedDict()
PLANS_KEPT = 16


def _planned(cands, ii, jj, stats, board, counts) -> np.ndarray:
    """`_need_allocation`, cached on the identity of (board, counts) and the candidates."""
    key = (id(board), id(counts), tuple(c.name for c in cands))
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is board and hit[1] is counts:
        _PLANS.move_to_end(key)
        return hit[2]
    alloc = _need_allocation(cands, ii, jj, stats, counts)
    alloc.setflags(write=False)
    _PLANS[key] = (board, counts, alloc)  # holding them keeps their ids from being reused
    if len(_PLANS) > PLANS_KEPT:
        _PLANS.popitem(last=False)
    return alloc


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


# The active rule plans the next votes in DESIGN_STEPS greedy rounds over a horizon of
# HORIZON_SHARE of the votes so far (at least MIN_HORIZON votes), so a batch spreads like an
# optimal design instead of piling onto the single most useful pair.
DESIGN_STEPS = 4
HORIZON_SHARE = 0.25
MIN_HORIZON = 500.0
# Share of the planned votes spent on the widest intervals (the rest on pairs whose order is
# in doubt); CI_POWER makes the widest intervals dominate that share.
CI_SHARE = 0.5
CI_POWER = 12.0


def _need_allocation(cands, ii, jj, stats, counts=None) -> np.ndarray:
    """Share of the next votes per pair (ii[k], jj[k]): the votes that most reduce
    (a) the chance that a pair of models ends up in the wrong order, sum over pairs of
    P(order wrong), and (b) the widest intervals (sum of each model's variance^CI_POWER).

    Both are functions of the ratings' covariance S = I^-1 (I: Fisher information of the
    battles so far). A vote on (a, b) adds p(1-p) e e' to I (e = e_a - e_b), which lowers the
    variance of a contrast c by about p(1-p) (c'S e)^2; summed over the contrasts that matter
    with weights G, a vote's worth is p(1-p) e'(S G S)e. For (a) a pair's weight is the
    posterior density of its difference at zero over its variance (phi(z)/s^2: how fast
    P(order wrong) falls as its variance falls); for (b) model k's weight is var_k^(CI_POWER-1).
    The horizon is planned in DESIGN_STEPS rounds, each spread over pairs in proportion to
    their worth, after which I is updated with the planned votes (so the second round already
    sees the first round's votes)."""
    c = 400.0 / math.log(10.0)
    m = len(cands)
    rated = [x.name in stats for x in cands]
    mean = float(np.mean([s[0] for s in stats.values()])) if stats else 1000.0
    rating = np.array([stats[x.name][0] if r else mean for x, r in zip(cands, rated, strict=True)]) / c
    if counts is not None:
        info = _information(cands, rating, counts)
        done = float(counts.totals.sum())
    else:
        sd = np.array([stats[x.name][1] if r else UNRATED_SD for x, r in zip(cands, rated, strict=True)]) / c
        info = np.diag(1.0 / np.clip(sd, 1e-6, None) ** 2)
        done = float(sum(s[2] for s in stats.values())) / 2
    p = expit(rating[ii] - rating[jj])
    w = p * (1 - p)  # information of one vote on the pair
    horizon = max(MIN_HORIZON, HORIZON_SHARE * done)
    centre = np.eye(m) - 1.0 / m
    planned = np.zeros(len(ii))
    for _ in range(DESIGN_STEPS):
        cov = centre @ np.linalg.inv(info) @ centre
        var = np.clip(np.diag(cov), 1e-12, None)
        s2 = np.clip(var[ii] + var[jj] - 2 * cov[ii, jj], 1e-12, None)
        z = np.abs(rating[ii] - rating[jj]) / np.sqrt(s2)
        worth = _worth(cov, ii, jj, w, _order_doubt(z) / s2, m) * (1 - CI_SHARE)
        ci_weight = (var / var.max()) ** (CI_POWER - 1)
        worth += _worth(cov, ii, jj, w, None, m, diag=ci_weight) * CI_SHARE
        step = worth * (horizon / DESIGN_STEPS)
        planned += step
        add = step * w
        info[ii, jj] -= add  # each pair appears once, so plain indexing adds correctly
        info[jj, ii] -= add
        info[np.diag_indices(m)] += np.bincount(ii, add, m) + np.bincount(jj, add, m)
    return planned / planned.sum()


def _order_doubt(z: np.ndarray) -> np.ndarray:
    """How fast P(order wrong) = Phi(-|d|/s) falls as the variance s^2 falls (times s^2, up to a
    constant), averaged over what the board says of the true standardised gap: d/s ~ N(z, 1),
    E[|u| phi(u)]. With a known gap this is |z| phi(z): nothing for a true tie, which no number
    of votes sorts. Averaged, it is flat up to z ~ 1 and still 2/3 of that at z = 2 (phi keeps
    1/7 there), so pairs that more votes can actually sort keep their share."""
    mu = 0.5 * np.abs(z)  # u phi(u) phi(u - z) is a N(z/2, 1/2) density times phi(z / sqrt 2)/sqrt 2
    sd = math.sqrt(0.5)
    mean_abs = sd * math.sqrt(2 / math.pi) * np.exp(-0.5 * (mu / sd) ** 2) + mu * (1 - 2 * normal_cdf(-mu / sd))
    return np.exp(-0.25 * z * z) * mean_abs


def _worth(cov, ii, jj, w, pair_weight, m, diag=None) -> np.ndarray:
    """Each pair's share (summing to 1) of the reduction of sum_k g_k var(contrast_k): a vote's
    reduction is w e'(S G S) e, with G the Laplacian of `pair_weight` over pairs or, with
    `diag`, the weights of the models' own (centred) variances."""
    if diag is None:
        g = np.zeros((m, m))
        g[ii, jj] = -pair_weight
        g = g + g.T
        g[np.diag_indices(m)] = -g.sum(axis=1)
        mm = cov @ g @ cov
    else:
        mm = (cov * diag) @ cov
    gain = w * np.clip(mm[ii, ii] + mm[jj, jj] - 2 * mm[ii, jj], 0.0, None)
    total = gain.sum()
    return gain / total if total > 0 else np.full(len(ii), 1.0 / len(ii))


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
