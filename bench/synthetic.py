"""Arena-like synthetic battles for bench/ratings_bench.py: skewed pair frequencies, ~30% ties."""
from __future__ import annotations

import numpy as np


def arena_like_strengths(n_models: int, rng: np.random.Generator) -> np.ndarray:
    """Natural-scale strengths spread like the public arena board (ratings ~ 800..1300)."""
    ratings = np.sort(rng.normal(1100, 110, n_models))[::-1]
    return (ratings - ratings.mean()) * np.log(10) / 400


def arena_like_battles(n_models: int, n_battles: int, seed: int = 0):
    """(models, model_a, model_b, outcome codes 0=A 1=B 2=tie 3=both bad, true strengths)."""
    rng = np.random.default_rng(seed)
    beta = arena_like_strengths(n_models, rng)
    popularity = rng.lognormal(0.0, 1.0, n_models)  # some models are sampled far more often
    iu, ju = np.triu_indices(n_models, 1)
    p = popularity[iu] * popularity[ju]
    pair = rng.choice(len(p), size=n_battles, p=p / p.sum())
    swap = rng.random(n_battles) < 0.5
    a = np.where(swap, ju[pair], iu[pair])
    b = np.where(swap, iu[pair], ju[pair])
    # Ties are likelier between close models (arena: ~20% tie, ~10% both bad).
    p_a = 1 / (1 + np.exp(-(beta[a] - beta[b])))
    tie_rate = 0.32 - 0.2 * np.abs(p_a - 0.5)
    u = rng.random(n_battles)
    outcome = np.where(u < tie_rate, np.where(rng.random(n_battles) < 0.65, 2, 3),
                       np.where(rng.random(n_battles) < p_a, 0, 1))
    models = [f"model-{k:03d}" for k in range(n_models)]
    return models, a, b, outcome, beta
