"""Observed and predicted win-rate matrices, and battles per pair."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .counts import PairCounts


@dataclass
class WinRates:
    models: list[str]
    observed: np.ndarray  # [i, j]: i's share of games against j, ties half; 0.0 where none played
    predicted: np.ndarray  # [i, j]: P(i beats j) from the ratings; 0.5 on the diagonal
    battles: np.ndarray  # [i, j]: battles between i and j (symmetric, ties included)


def win_rates(counts: PairCounts, ratings: dict[str, float], scale: float = 400.0, base: float = 10.0) -> WinRates:
    """Matrices over the rated models (those in `ratings`), in the order of `ratings`."""
    models = list(ratings)
    pos = {name: k for k, name in enumerate(models)}
    m = len(models)
    battles = np.zeros((m, m))
    wins = np.zeros((m, m))
    for i, j, wi, wj, t in zip(counts.i, counts.j, counts.wins_i, counts.wins_j, counts.ties + counts.both_bad, strict=True):
        a, b = counts.models[i], counts.models[j]
        if a not in pos or b not in pos:
            continue
        x, y = pos[a], pos[b]
        battles[x, y] += wi + wj + t
        battles[y, x] += wi + wj + t
        wins[x, y] += wi + t / 2
        wins[y, x] += wj + t / 2
    observed = np.divide(wins, battles, out=np.zeros((m, m)), where=battles > 0)
    r = np.array([ratings[name] for name in models])
    predicted = 1.0 / (1.0 + base ** ((r[None, :] - r[:, None]) / scale))
    return WinRates(models, observed, predicted, battles)
