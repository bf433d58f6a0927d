"""Bradley-Terry leaderboards from counts, pairs or battles: the entry points callers use.

Defined answers for awkward inputs (never NaN, never a hang):
- no rows, or a single model: an empty board; every named model is listed in `unrated`;
- a model with no counted game (e.g. only ties while ties are dropped): left out of `rows`,
  named in `unrated`;
- groups of models that never met (a disconnected comparison graph): each group is rated on
  its own and centred on `init` (the anchor, if given, pins only its own group); a note says so;
- a model that never wins or never loses within its group (so the plain MLE does not exist):
  a weak prior (one virtual tie per model against the field, see bt.PRIOR_GAMES) keeps every
  rating finite; a note says so;
- an anchor model that is not rated: the board stays mean-centred and a note says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .board import Board, how_many, make_board
from .bt import FitOptions, effective_counts, fit_counts
from .ci import bootstrap_betas, sandwich_se, z_value
from .counts import PairCounts, counts_from_battles, counts_from_pairs, counts_from_patterns, counts_from_votes
from .graph import component_labels


def rate_counts(
    counts: PairCounts,
    *,
    ci: str = "sandwich",
    rounds: int = 1000,
    seed: int | None = 0,
    ties: str = "half",
    l2_C: float | None = None,
    double: bool = False,
    anchor: tuple[str, float] | None = None,
    scale: float = 400.0,
    base: float = 10.0,
    init: float = 1000.0,
    level: float = 0.95,
    resample: str = "fast-poisson",
    progress=None,
    method: str = "bradley-terry",
    start: Mapping[str, float] | None = None,
) -> Board:
    """Bradley-Terry ratings with `level` confidence intervals from aggregated counts.

    ci: "sandwich" (robust, a few ms), "bootstrap" (`rounds` resamples, seeded by `seed`) or
    "none" (intervals collapse to the rating). Ratings are mean-centred on `init` unless
    `anchor=(model, rating)` pins one model. When `counts.patterns` says how votes group into
    battles, both interval methods are clustered by battle (and a note says so).
    `start` (model -> rating, e.g. the previous board's): where the fit starts; a warm start
    from nearby ratings takes fewer Newton steps to the same optimum.
    """
    if ci not in ("sandwich", "bootstrap", "none"):
        raise ValueError(f"ci must be 'sandwich', 'bootstrap' or 'none', not {ci!r}")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    opts = FitOptions(ties=ties, l2_C=l2_C, double=double, scale=scale, base=base, init=init, anchor=anchor)
    battles_all = counts.battles_per_model()
    _, n = effective_counts(counts, opts)
    games = np.bincount(counts.i, n, counts.n_models) + np.bincount(counts.j, n, counts.n_models)
    rated = games > 0
    unrated = [m for m, r in zip(counts.models, rated, strict=True) if not r]
    sub = counts.restrict_models(rated) if not rated.all() else counts
    sub = sub.select(effective_counts(sub, opts)[1] > 0)
    extra: dict[str, Any] = dict(unrated=unrated, rejected=dict(counts.rejected))
    m = sub.n_models
    if m < 2:
        # Nobody played a counted game: nothing to rate.
        extra["unrated"] = list(counts.models)
        return Board(method=method, rows=[], n_battles=float(counts.n_battles), ci=ci, **extra)

    ratings, lower, upper = np.empty(m), np.empty(m), np.empty(m)
    notes: list[str] = []
    groups = _groups(sub)
    if groups.max() > 0:
        notes.append(
            f"{groups.max() + 1} groups of models never met each other: each group is "
            f"rated on its own and centred on {init:g} (ratings across groups are not comparable)"
        )
    anchor_found = False
    for g in range(groups.max() + 1):
        members = groups == g
        part = sub.restrict_models(members) if groups.max() > 0 else sub
        pin = None
        if anchor is not None and anchor[0] in part.models:
            pin, anchor_found = part.models.index(anchor[0]), True
        beta0 = None
        if start is not None:
            beta0 = np.array([(start.get(model, opts.init) - opts.init) / opts.rating_per_beta for model in part.models])
        r, lo, hi, part_notes = _rate_connected(part, opts, ci, rounds, seed, level, resample, pin, progress, beta0)
        ratings[members], lower[members], upper[members] = r, lo, hi
        notes.extend(n for n in part_notes if n not in notes)
    if anchor is not None and not anchor_found:
        notes.append(f"anchor model {anchor[0]!r} is not rated here: ratings are mean-centred")
    if counts.patterns is not None and ci != "none":
        battles, votes = how_many(counts.patterns.n_battles, "battle"), how_many(counts.n_battles, "vote")
        notes.append(f"intervals clustered by battle: {battles}, {votes}")

    sub_y, sub_n = effective_counts(sub, opts)
    wins = np.bincount(sub.i, sub_y, m) + np.bincount(sub.j, sub_n - sub_y, m)
    played = np.bincount(sub.i, sub_n, m) + np.bincount(sub.j, sub_n, m)
    win_rate = np.divide(wins, played, out=np.zeros(m), where=played > 0)
    return make_board(
        method, sub.models, ratings, lower, upper, battles_all[rated], win_rate, float(counts.n_battles), ci, notes=notes, **extra
    )


def rate_pairs(rows: Iterable, *, models: Sequence[str] | None = None, **options) -> Board:
    """Leaderboard from aggregated rows (model_a, model_b, wins_a, wins_b, ties, both_bad), as
    tuples, dicts or objects with those attribute names. See `rate_counts` for the options."""
    return rate_counts(counts_from_pairs(rows, models), **options)


def rate_battles(models: Sequence[str], model_a, model_b, outcome, weight=None, battle=None, **options) -> Board:
    """Leaderboard from battle arrays (indices into `models`, outcome codes from counts.py).
    With `battle` (one id per row, e.g. question_id), rows are votes and intervals are
    clustered by battle; `weight` cannot be combined with it."""
    if battle is not None:
        if weight is not None:
            raise ValueError("weights and battle ids cannot be combined")
        return rate_counts(counts_from_votes(models, model_a, model_b, outcome, battle), **options)
    return rate_counts(counts_from_battles(models, model_a, model_b, outcome, weight), **options)


def rate_patterns(rows: Iterable, *, models: Sequence[str] | None = None, **options) -> Board:
    """Leaderboard from stored battle patterns (model_a, model_b, wins_a, wins_b, ties, both_bad,
    battles): intervals clustered by battle. See `counts_from_patterns` and `rate_counts`."""
    return rate_counts(counts_from_patterns(rows, models), **options)


def _groups(counts: PairCounts) -> np.ndarray:
    """Connected-component label per model (pairs with counted games are the edges)."""
    return component_labels(counts.n_models, counts.i, counts.j)


def _rate_connected(
    counts: PairCounts,
    opts: FitOptions,
    ci: str,
    rounds: int,
    seed,
    level: float,
    resample: str,
    anchor_idx: int | None,
    progress,
    beta0: np.ndarray | None = None,
):
    """Ratings and interval bounds for one connected group of models."""
    fit = fit_counts(counts, opts, beta0)
    notes = []
    if fit.prior:
        notes.append(
            "the plain maximum-likelihood fit does not exist (a model never won or never "
            "lost): a weak prior of one virtual tie per model against the field was used"
        )
    if not fit.converged:
        notes.append(f"solver stopped after {fit.iterations} iterations before full convergence")
    c = opts.rating_per_beta

    def to_ratings(beta: np.ndarray) -> np.ndarray:
        if anchor_idx is None or opts.anchor is None:
            return opts.init + c * (beta - beta.mean(axis=-1, keepdims=True))
        return opts.anchor[1] + c * (beta - beta[..., anchor_idx : anchor_idx + 1])

    ratings = to_ratings(fit.beta)
    if ci == "sandwich":
        half = z_value(level) * c * sandwich_se(counts, fit, opts, anchor_idx)
        return ratings, ratings - half, ratings + half, notes
    if ci == "bootstrap":
        betas = bootstrap_betas(counts, fit, opts, rounds, seed, resample=resample, progress=progress)
        boot = to_ratings(betas)
        tail = (1 - level) / 2 * 100
        lower, upper = np.percentile(boot, [tail, 100 - tail], axis=0)
        # An interval always contains the point estimate, even for a skewed resampling spread.
        return ratings, np.minimum(lower, ratings), np.maximum(upper, ratings), notes
    return ratings, ratings.copy(), ratings.copy(), notes
