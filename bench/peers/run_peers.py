"""Times the peer libraries on a battle file; runs inside bench/peers/.venv (see ratings_bench.py).

Usage: python run_peers.py battles.npz out.json [--rounds N] [--only name,...]
Each peer's result: seconds, ratings (model -> rating on the 400/10/1000 scale, mean-centred),
and a note (what was run, extrapolations). A peer that fails records its error and the rest go on.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback
import types

import numpy as np

C = 400 / math.log(10)
WINNER = np.array(["model_a", "model_b", "tie", "tie (bothbad)"])


def load(path):
    data = np.load(path, allow_pickle=False)
    return list(data["models"]), data["model_a"], data["model_b"], data["outcome"]


def centred(names, values):
    values = np.asarray(values, dtype=float)
    values = values - values.mean() + 1000
    return dict(zip(names, values.tolist()))


def frame(models, a, b, o):
    import pandas as pd
    names = np.array(models)
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": WINNER[o]})


def arena_rank(models, a, b, o, rounds):
    import jax
    from arena_rank.models import bradley_terry as bt_module
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset
    df = frame(models, a, b, o)
    out = {}
    timings = []
    for _ in range(2):  # first call includes JAX compilation, second is warm
        t0 = time.perf_counter()
        dataset = PairDataset.from_pandas(df)
        model = BradleyTerry(len(dataset.competitors))
        res = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
        timings.append(time.perf_counter() - t0)
    out["arena-rank sandwich"] = {"seconds": timings[1], "ratings": centred(res["competitors"], res["ratings"]),
                                  "note": f"from_pandas + fit + sandwich, warm (cold first call {timings[0]:.1f} s)"}
    # Its bootstrap hands each round to a multiprocessing pool, and forking after JAX has
    # started threads deadlocks; so the same per-round work (fit_single_bootstrap_sample on
    # multinomial counts, as it draws them) is timed in-process and scaled to 1000 rounds on
    # 2 cores.
    total = float(dataset.counts.sum())
    boot = jax.random.multinomial(jax.random.PRNGKey(0), n=int(total), p=dataset.counts / total,
                                  shape=(rounds + 1, dataset.counts.shape[0]), dtype=model.dtype)
    bt_module.fit_single_bootstrap_sample(boot[0], model, dataset)  # compile
    t0 = time.perf_counter()
    for k in range(1, rounds + 1):
        bt_module.fit_single_bootstrap_sample(boot[k], model, dataset)
    per_round = (time.perf_counter() - t0) / rounds
    out["arena-rank bootstrap"] = {"seconds": timings[1] + per_round * 1000 / 2,
                                   "ratings": out["arena-rank sandwich"]["ratings"],
                                   "note": f"{rounds} rounds at {per_round:.2f} s each, scaled to 1000 on 2 cores"}
    return out


def fschat(models, a, b, o, rounds):
    # fschat's package imports pull in torch/accelerate for model serving; the rating code needs
    # none of it, so those two modules are replaced by empty ones before importing it.
    reg = types.ModuleType("fastchat.model.model_registry")
    reg.get_model_info = lambda name: None
    pkg = types.ModuleType("fastchat.model")
    pkg.__path__ = []
    pkg.model_registry = reg
    sys.modules.setdefault("fastchat.model", pkg)
    sys.modules.setdefault("fastchat.model.model_registry", reg)
    from fastchat.serve.monitor import elo_analysis as ea
    fit = getattr(ea, "compute_mle_elo", None) or ea.compute_elo_mle_with_tie
    df = frame(models, a, b, o)
    t0 = time.perf_counter()
    point = fit(df)
    t_point = time.perf_counter() - t0
    rounds = min(rounds, 2)  # each round refits on a dense (2 x battles) x models matrix
    t0 = time.perf_counter()
    ea.get_bootstrap_result(df, fit, rounds)
    t_boot = time.perf_counter() - t0
    return {"fschat compute_mle_elo": {
        "seconds": t_point + t_boot * 1000 / rounds,
        "ratings": centred(list(point.index), point.values),
        "note": f"{fit.__name__} (L2 C=1, battles doubled); fit {t_point:.1f} s + bootstrap "
                f"{rounds} rounds {t_boot:.1f} s scaled to 1000"}}


def evalica_peer(models, a, b, o, rounds):
    import evalica
    import pandas as pd
    names = np.array(models)
    winners = np.array([evalica.Winner.X, evalica.Winner.Y, evalica.Winner.Draw, evalica.Winner.Draw])[o]
    xs, ys = names[a].tolist(), names[b].tolist()
    t0 = time.perf_counter()
    res = evalica.bradley_terry(xs, ys, winners.tolist(), tolerance=1e-10, limit=10000)
    t_point = time.perf_counter() - t0
    scores = res.scores
    out = {"evalica bradley_terry": {"seconds": t_point,
                                     "ratings": centred(list(scores.index), C * np.log(scores.values)),
                                     "note": "point estimate (MM, tol 1e-10), no intervals"}}
    t0 = time.perf_counter()
    evalica.bootstrap(evalica.bradley_terry, xs, ys, winners.tolist(), n_resamples=rounds,
                      bootstrap_method="percentile", random_state=0)
    t_boot = time.perf_counter() - t0
    out["evalica bootstrap"] = {"seconds": t_boot * 1000 / rounds, "ratings": out["evalica bradley_terry"]["ratings"],
                                "note": f"{rounds} rounds {t_boot:.1f} s scaled to 1000"}
    del pd
    return out


def choix_peer(models, a, b, o, rounds):
    import choix
    m = len(models)
    t0 = time.perf_counter()
    wins = np.zeros((m, m))
    np.add.at(wins, (a[o == 0], b[o == 0]), 1.0)
    np.add.at(wins, (b[o == 1], a[o == 1]), 1.0)
    ties = o >= 2
    np.add.at(wins, (a[ties], b[ties]), 0.5)
    np.add.at(wins, (b[ties], a[ties]), 0.5)
    params = choix.ilsr_pairwise_dense(wins, tol=1e-10, max_iter=10000)
    return {"choix ilsr_pairwise_dense": {"seconds": time.perf_counter() - t0,
                                          "ratings": centred(models, C * params),
                                          "note": "point estimate from the win matrix, no intervals"}}


PEERS = {"arena-rank": arena_rank, "fschat": fschat, "evalica": evalica_peer, "choix": choix_peer}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("battles")
    parser.add_argument("out")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", default=",".join(PEERS))
    args = parser.parse_args()
    models, a, b, o = load(args.battles)
    results = {}
    for name in args.only.split(","):
        try:
            results.update(PEERS[name](models, a, b, o, args.rounds))
        except Exception as exc:  # a peer failing must not stop the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
        with open(args.out, "w") as fh:
            json.dump(results, fh)
        print(f"peer {name} done", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
