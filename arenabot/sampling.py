"""Choosing which two models fight: by weight, with battle targets, never a model against itself."""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    name: str
    weight: float = 1.0
    # Preferred opponents: when set, this model's battles are drawn against these when possible.
    targets: tuple[str, ...] = field(default_factory=tuple)


class NotEnoughModels(Exception):
    pass


def sample_pair(candidates: Sequence[Candidate], rng: random.Random) -> tuple[str, str]:
    """Two different models, sides already randomised: (model_a, model_b).

    Pair (i, j) is drawn with probability proportional to w_i * w_j, so a model's share of
    battles follows its weight. Raises NotEnoughModels when fewer than two have positive weight.
    """
    pool = [c for c in candidates if c.weight > 0]
    if len(pool) < 2:
        raise NotEnoughModels("at least two enabled models with positive weight are needed")
    pairs = [(a, b) for i, a in enumerate(pool) for b in pool[i + 1:]]
    weights = []
    for a, b in pairs:
        w = a.weight * b.weight
        if (a.targets and b.name in a.targets) or (b.targets and a.name in b.targets):
            w *= 10.0  # targets are strongly preferred, not exclusive
        weights.append(w)
    a, b = rng.choices(pairs, weights=weights, k=1)[0]
    return (a.name, b.name) if rng.random() < 0.5 else (b.name, a.name)
