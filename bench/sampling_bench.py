"""Active versus uniform pair sampling on a simulated 100-model arena.

Votes come from known arena-like strengths: 100 ratings spread like the public board (normal
quantiles, sd 110 rating points: ~45 points between #1 and #2, ~6 between #10 and #11), 30%
ties. The board is refitted (Bradley-Terry, sandwich intervals, as the bot does) after every
batch of votes (200, or 2% of the votes so far when larger, like a cached leaderboard) and the
next batch of pairs is drawn from `arenabot.sampling.pair_weights` (uniform: "weighted" with
equal weights; active: "active").
Counts the votes until Kendall tau >= 0.9 against the truth, and until the top 10 are exactly
right, for several seeds. Run: .venv/bin/python bench/sampling_bench.py [--seeds 5]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtri
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arenabot.ratings import PairCounts, rate_counts  # noqa: E402
from arenabot.sampling import Candidate, pair_weights  # noqa: E402

N_MODELS = 100
REFRESH = 200
MAX_VOTES = 300_000
TIE_RATE = 0.3


def arena_like_strengths(n_models: int) -> np.ndarray:
    """Natural-scale strengths at the normal quantiles (sd 110 rating points), best first."""
    ratings = 110 * ndtri((np.arange(n_models)[::-1] + 0.5) / n_models)
    return ratings * np.log(10) / 400


def simulate(strategy: str, seed: int, n_models: int = N_MODELS, max_votes: int = MAX_VOTES):
    rng = np.random.default_rng(seed)
    truth = arena_like_strengths(n_models)
    names = [f"m{k:03d}" for k in range(n_models)]
    candidates = [Candidate(n) for n in names]
    true_order = np.argsort(-truth)
    ii, jj = np.triu_indices(n_models, 1)
    wins_i = np.zeros(len(ii))
    wins_j = np.zeros(len(ii))
    ties = np.zeros(len(ii))
    board = None
    votes, tau_at, top_at = 0, None, None
    while votes < max_votes and (tau_at is None or top_at is None):
        _, weights = pair_weights(candidates, board, "active" if strategy == "active" else "weighted")
        batch = max(REFRESH, int(0.02 * votes))
        pick = rng.choice(len(ii), size=batch, p=weights / weights.sum())
        p_i = 1 / (1 + np.exp(-(truth[ii[pick]] - truth[jj[pick]])))
        # Ties carry no information about order here, so they only dilute the votes.
        tie = rng.random(batch) < TIE_RATE
        win = ~tie & (rng.random(batch) < p_i)
        np.add.at(ties, pick, tie)
        np.add.at(wins_i, pick, win)
        np.add.at(wins_j, pick, ~tie & ~win)
        votes += batch
        counts = PairCounts(names, ii, jj, wins_i, wins_j, ties, np.zeros(len(ii)))
        board = rate_counts(counts, ci="sandwich")
        est = np.full(n_models, board.rows[-1].rating - 1 if board.rows else 1000.0)
        for row in board.rows:
            est[names.index(row.model)] = row.rating
        if tau_at is None and kendalltau(est, truth).statistic >= 0.9:
            tau_at = votes
        if top_at is None and np.array_equal(np.argsort(-est, kind="stable")[:10], true_order[:10]):
            top_at = votes
    return tau_at, top_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    results = {}
    for strategy in ("uniform", "active"):
        t0 = time.perf_counter()
        runs = [simulate(strategy, seed) for seed in range(args.seeds)]
        results[strategy] = runs
        print(f"{strategy:8s} runs (votes to tau>=0.9, votes to exact top 10): {runs}  "
              f"[{time.perf_counter() - t0:.0f} s]")

    def median(strategy, k):
        vals = [r[k] if r[k] is not None else MAX_VOTES for r in results[strategy]]
        return float(np.median(vals))

    for k, label in ((0, "Kendall tau >= 0.9"), (1, "exact top 10")):
        u, a = median("uniform", k), median("active", k)
        print(f"{label:20s} median votes: uniform {u:,.0f}  active {a:,.0f}  -> {1 - a / u:+.0%} fewer votes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
