"""Active versus uniform pair sampling on a simulated arena of 129 models.

Truth: 129 ratings spread like the public Chatbot Arena board of 2024-08 (129 models, ~800 to
~1300; that board is not in /work/shared/data, so the truth takes the normal quantiles with its
spread, sd 110 rating points: ~45 points between #1 and #2, a few points apart mid-table).
Votes follow Bradley-Terry on the truth, with ties likelier between close models (~25%; a tie
counts half a win, as on the board). The board is refitted (Bradley-Terry, sandwich intervals,
as the bot does) every REFIT votes (250 and 1,000), and the next REFIT pairs are drawn from
`arenabot.sampling.pair_weights` on that board (uniform: "weighted" with equal weights; active:
"active" with its defaults). Counted per seed: votes until Kendall tau >= 0.95 against the truth,
and votes until every model's 95% interval is narrower than +-25 points. Every seed's figures
are printed, then the medians. Figures are noisy on a shared machine only in time, not votes.

Measured 2026-12-01 with the variance-share, near-opponent rule (`_need_allocation`), medians of
9 seeds, uniform vs active: refit 1,000: tau >= 0.95 125,000 vs 106,000 (15% fewer), every CI
< +-25 45,000 vs 47,000 (4% more); refit 250: tau 117,250 vs 117,500 (0%), CI 44,750 vs 45,500
(2% more). The rule it replaced (A-optimal on overlapping pairs) at refit 1,000: tau 109,000 (13%
fewer), CI 56,000 (24% more). Under this truth uniform pairing already keeps every model's
interval within about 10% of the others (23-26 points at 40,000 votes), so no rule can save much
on the CI goal by shifting votes between models; the 40% target is not met.

Run: .venv/bin/python bench/sampling_bench.py [--seeds 9] [--refits 250,1000] [--models 129]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread: the 129-model solves are tiny, and BLAS threads spinning against the other
# processes on a shared 2-core machine made every fit 5x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.special import ndtri  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arenabot.ratings import PairCounts, rate_counts  # noqa: E402
from arenabot.sampling import Candidate, pair_weights  # noqa: E402

MAX_VOTES = 400_000
BOARD_FILE = Path(__file__).resolve().parent / "data" / "arena_board_2024_08_28.csv"
TAU_GOAL = 0.95
HALF_WIDTH_GOAL = 25.0


def normal_strengths(n_models: int) -> np.ndarray:
    """Natural-scale strengths at the normal quantiles (sd 110 rating points), best first."""
    ratings = 110 * ndtri((np.arange(n_models)[::-1] + 0.5) / n_models)
    return ratings * np.log(10) / 400


def board_strengths(n_models: int) -> np.ndarray:
    """The published 2024-08-28 board (bench/data), best first; n_models must be <= 136."""
    lines = [line for line in BOARD_FILE.read_text().splitlines() if line and not line.startswith("#")]
    ratings = np.array(sorted((float(line.rsplit(",", 1)[1]) for line in lines[1:]), reverse=True))
    if n_models > len(ratings):
        raise SystemExit(f"--models: the published board has {len(ratings)} models")
    ratings = ratings[:n_models]
    return (ratings - ratings.mean()) * np.log(10) / 400


TRUTHS = {"normal": normal_strengths, "board": board_strengths}


def simulate(strategy: str, seed: int, refit: int, n_models: int, truth_name: str = "board"):
    """(votes until tau >= 0.95, votes until every half-width < 25); None if never reached."""
    rng = np.random.default_rng(seed)
    truth = TRUTHS[truth_name](n_models)
    names = [f"m{k:03d}" for k in range(n_models)]
    candidates = [Candidate(n) for n in names]
    ii, jj = np.triu_indices(n_models, 1)
    wins_i, wins_j, ties = np.zeros(len(ii)), np.zeros(len(ii)), np.zeros(len(ii))
    board = counts = None
    votes, tau_at, ci_at = 0, None, None
    while votes < MAX_VOTES and (tau_at is None or ci_at is None):
        _, weights = pair_weights(candidates, board, "active" if strategy == "active" else "weighted",
                                  counts=counts if votes else None)
        pick = rng.choice(len(ii), size=refit, p=weights / weights.sum())
        p_i = 1 / (1 + np.exp(-(truth[ii[pick]] - truth[jj[pick]])))
        tie = rng.random(refit) < 0.32 - 0.2 * np.abs(p_i - 0.5)
        win = ~tie & (rng.random(refit) < p_i)
        wins_i += np.bincount(pick, win, len(ii))
        wins_j += np.bincount(pick, ~tie & ~win, len(ii))
        ties += np.bincount(pick, tie, len(ii))
        votes += refit
        counts = PairCounts(names, ii, jj, wins_i, wins_j, ties, np.zeros(len(ii)))
        board = rate_counts(counts, ci="sandwich")
        if len(board.rows) < n_models:
            continue
        est = np.empty(n_models)
        half = np.empty(n_models)
        for row in board.rows:
            k = int(row.model[1:])
            est[k], half[k] = row.rating, (row.ci_upper - row.ci_lower) / 2
        if tau_at is None and kendalltau(est, truth).statistic >= TAU_GOAL:
            tau_at = votes
        if ci_at is None and half.max() < HALF_WIDTH_GOAL:
            ci_at = votes
    return tau_at, ci_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=9)
    parser.add_argument("--refits", default="250,1000")
    parser.add_argument("--models", type=int, default=129)
    args = parser.parse_args()
    summary = []
    for refit in [int(x) for x in args.refits.split(",")]:
        results = {}
        for strategy in ("uniform", "active"):
            t0 = time.perf_counter()
            runs = []
            for seed in range(args.seeds):
                runs.append(simulate(strategy, seed, refit, args.models))
                print(f"refit {refit:5d} {strategy:8s} seed {seed}: tau>={TAU_GOAL} at {runs[-1][0]}, "
                      f"all CIs < +-{HALF_WIDTH_GOAL:g} at {runs[-1][1]}  [{time.perf_counter() - t0:.0f} s]",
                      flush=True)
            results[strategy] = runs
        for k, label in ((0, f"Kendall tau >= {TAU_GOAL}"), (1, f"every CI < +-{HALF_WIDTH_GOAL:g}")):
            med = {s: float(np.median([r[k] if r[k] is not None else MAX_VOTES for r in results[s]]))
                   for s in results}
            per_seed = [1 - a[k] / u[k] for u, a in zip(results["uniform"], results["active"]) if a[k] and u[k]]
            saved = 1 - med["active"] / med["uniform"]
            line = (f"refit {refit:5d}  {label:22s} median votes: uniform {med['uniform']:9,.0f}  active "
                    f"{med['active']:9,.0f}  -> active needs {abs(saved):.0%} {'fewer' if saved >= 0 else 'MORE'} "
                    f"(saving per seed {min(per_seed):+.0%} .. {max(per_seed):+.0%}; target: 40% fewer)")
            summary.append(line)
            print(line, flush=True)
    print("\n".join(["", "summary:"] + summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
