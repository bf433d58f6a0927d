"""FastChat's way of rating a battle log, end to end; runs inside bench/peers/.venv (see ratings_bench.py).

Usage: python fastchat_e2e.py LOG.jsonl OUT.json [--rounds N]

Loads the log with pandas, the way FastChat's elo_analysis does, then fits and bootstraps with
FastChat's own functions:
- `fastchat.serve.monitor.rating_systems.compute_bt` + `compute_bootstrap_bt` when that module
  is importable (FastChat installed from its repository: the method the public board uses);
- otherwise fschat 0.2.36's (the newest on PyPI) `compute_mle_elo` + `get_bootstrap_result`.
The bootstrap runs N rounds and is scaled to 1,000; the result names which functions ran.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import types


def stub_model_registry() -> None:
    # fschat's package imports pull in torch/accelerate for model serving; the rating code needs
    # none of it, so those modules are replaced by empty ones before importing it.
    reg = types.ModuleType("fastchat.model.model_registry")
    reg.get_model_info = lambda name: None
    pkg = types.ModuleType("fastchat.model")
    pkg.__path__ = []
    pkg.model_registry = reg
    sys.modules.setdefault("fastchat.model", pkg)
    sys.modules.setdefault("fastchat.model.model_registry", reg)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    stub_model_registry()
    import pandas as pd

    t0 = time.perf_counter()
    battles = pd.read_json(args.log, lines=True)
    t_load = time.perf_counter() - t0
    try:
        from fastchat.serve.monitor.rating_systems import compute_bootstrap_bt, compute_bt

        method = "rating_systems.compute_bt + compute_bootstrap_bt"
        t0 = time.perf_counter()
        compute_bt(battles)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        compute_bootstrap_bt(battles, num_round=args.rounds)
        t_boot = time.perf_counter() - t0
    except ImportError:
        from fastchat.serve.monitor import elo_analysis as ea

        fit = getattr(ea, "compute_mle_elo", None) or ea.compute_elo_mle_with_tie
        method = f"fschat 0.2.36 elo_analysis.{fit.__name__} + get_bootstrap_result (rating_systems not installed)"
        t0 = time.perf_counter()
        fit(battles)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        ea.get_bootstrap_result(battles, fit, args.rounds)
        t_boot = time.perf_counter() - t0
    json.dump({
        "method": method, "load_seconds": t_load, "fit_seconds": t_fit,
        "bootstrap_seconds": t_boot, "rounds_run": args.rounds,
        "seconds_1000_rounds": t_load + t_fit + t_boot * 1000 / args.rounds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }, open(args.out, "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
