"""Ratings speed: Bradley-Terry + 1000-round bootstrap on 1.67M arena-like battles, versus peers.

Target: our fit plus 1000-round bootstrap CIs within 2 s and 300 MB peak on this 2-core machine.
Our run happens in a fresh child process (so its peak RSS is its own). The peers (arena-rank,
fschat 0.2.36's compute_mle_elo, evalica, choix) run in bench/peers/.venv, created from
bench/peers/requirements.txt if missing; a peer that fails to install or run is reported and
skipped. Slow peers' bootstraps are timed on --peer-rounds rounds and scaled to 1000.

Elo section (--elo, or --elo-only): `arenabot ratings --elo --bootstrap 1000`'s vectorised
bootstrap (all rounds in one pass of the log) against FastChat's documented Elo bootstrap
(elo_analysis.get_bootstrap_result + compute_elo: each round draws the log with replacement,
battles.sample(frac=1, replace=True), and replays it row by row with itertuples), re-implemented
here from that description (pandas when installed, else plain lists, which is faster than the
original and so favours the peer). The peer is timed on --elo-peer-rounds rounds and scaled to 100.

Run: .venv/bin/python bench/ratings_bench.py [--battles 1670000] [--models 129] [--peer-rounds 20]
     [--no-peers] [--elo | --elo-only] [--elo-rounds 1000] [--elo-peer-rounds 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PEERS_VENV = HERE / "peers" / ".venv"
PEERS_REQUIREMENTS = HERE / "peers" / "requirements.txt"


def child(npz: str, out: str, rounds: int) -> int:
    """Our measurement, in its own process: load arrays, then time aggregation + fit + CIs."""
    from arenabot.ratings import counts_from_battles, rate_counts

    data = np.load(npz)
    models, a, b, o = list(data["models"]), data["model_a"], data["model_b"], data["outcome"]
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate_counts(counts_from_battles(models[:3], [0], [1], [0]), ci="bootstrap", rounds=2)  # warm imports
    t0, cpu0 = time.perf_counter(), time.process_time()
    counts = counts_from_battles(models, a, b, o)
    t_agg = time.perf_counter() - t0
    board = rate_counts(counts, ci="bootstrap", rounds=rounds, seed=0)
    t_total = time.perf_counter() - t0
    cpu_total = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1 = time.perf_counter()
    sandwich = rate_counts(counts_from_battles(models, a, b, o), ci="sandwich")
    t_sandwich = time.perf_counter() - t1
    t2 = time.perf_counter()
    fschat_like = rate_counts(counts, ci="none", l2_C=1.0, double=True)
    t_fs = time.perf_counter() - t2
    json.dump({
        "seconds": t_total, "cpu_seconds": cpu_total, "aggregate_seconds": t_agg, "sandwich_seconds": t_sandwich,
        "fschat_switches_seconds": t_fs, "peak_rss_mb": peak, "rss_before_mb": base_rss,
        "ratings": board.ratings(), "ratings_l2_double": fschat_like.ratings(),
        "ci_width": float(np.mean([r.ci_upper - r.ci_lower for r in board.rows])),
        "sandwich_width": float(np.mean([r.ci_upper - r.ci_lower for r in sandwich.rows])),
    }, open(out, "w"))
    return 0


def fastchat_style_elo(names: np.ndarray, winners: np.ndarray, rng: np.random.Generator,
                       k: float = 4.0) -> dict[str, float]:
    """One round of FastChat's documented Elo bootstrap: resample the log with replacement (in
    the resampled, shuffled order) and replay it row by row (K=4, scale 400, base 10, init 1000)."""
    pick = rng.integers(0, len(winners), len(winners))
    try:
        import pandas as pd
        frame = pd.DataFrame({"model_a": names[0][pick], "model_b": names[1][pick], "winner": winners[pick]})
        rows = frame[["model_a", "model_b", "winner"]].itertuples()
    except ImportError:
        rows = zip(range(len(pick)), names[0][pick].tolist(), names[1][pick].tolist(), winners[pick].tolist())
    rating: dict[str, float] = {}
    for _, model_a, model_b, winner in rows:
        ra, rb = rating.get(model_a, 1000.0), rating.get(model_b, 1000.0)
        ea = 1 / (1 + 10 ** ((rb - ra) / 400))
        sa = 1.0 if winner == "model_a" else 0.0 if winner == "model_b" else 0.5
        rating[model_a] = ra + k * (sa - ea)
        rating[model_b] = rb + k * (1 - sa - (1 - ea))
    return rating


def elo_section(models, a, b, o, rounds: int, peer_rounds: int) -> None:
    from arenabot.ratings import rate_elo

    print(f"Elo bootstrap on {len(o):,} battles, load average {os.getloadavg()[0]:.1f}", flush=True)
    t0 = time.perf_counter()
    done = [0]

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % max(rounds // 4, 1) < k:
            print(f"  ours: {done[0]}/{rounds} rounds after {time.perf_counter() - t0:.1f} s", flush=True)

    board = rate_elo(models, a, b, o, rounds=rounds, seed=0, progress=progress)
    ours = time.perf_counter() - t0
    width = np.mean([r.ci_upper - r.ci_lower for r in board.rows])
    print(f"ours: Elo + {rounds}-round bootstrap {ours:.1f} s (mean 95% CI width {width:.1f})", flush=True)
    names = np.array(models, dtype=object)
    winners = np.array(["model_a", "model_b", "tie", "tie (bothbad)"], dtype=object)[o]
    rng = np.random.default_rng(0)
    t1 = time.perf_counter()
    for r in range(peer_rounds):
        fastchat_style_elo((names[a], names[b]), winners, rng)
        print(f"  fastchat-style: round {r + 1}/{peer_rounds} after {time.perf_counter() - t1:.1f} s", flush=True)
    per_round = (time.perf_counter() - t1) / peer_rounds
    print(f"fastchat-style Elo bootstrap: {per_round:.1f} s a round -> {100 * per_round:.0f} s for 100 rounds "
          f"(timed on {peer_rounds}); ours for {rounds}: {ours:.1f} s = {100 * per_round / ours:.1f}x faster "
          f"for {rounds // 100}x the rounds; load average now {os.getloadavg()[0]:.1f}")


def ensure_peers_venv() -> Path | None:
    python = PEERS_VENV / "bin" / "python"
    if python.exists():
        return python
    print(f"creating {PEERS_VENV} for the peers ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    except subprocess.CalledProcessError as exc:
        print(f"cannot create the peers venv: {exc}", file=sys.stderr)
        return None
    for line in PEERS_REQUIREMENTS.read_text().splitlines():
        req = line.split("#")[0].strip()
        if not req:
            continue
        proc = subprocess.run([str(python), "-m", "pip", "install", "-q", req], capture_output=True, text=True)
        if proc.returncode:
            print(f"peer requirement {req} failed to install: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_670_000)
    parser.add_argument("--models", type=int, default=129)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--peer-rounds", type=int, default=20)
    parser.add_argument("--peers", default="choix,evalica,arena-rank,fschat")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--elo", action="store_true", help="also time the Elo bootstrap against FastChat's method")
    parser.add_argument("--elo-only", action="store_true", help="only the Elo section")
    parser.add_argument("--elo-rounds", type=int, default=1000)
    parser.add_argument("--elo-peer-rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("NPZ", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, args.rounds)

    from synthetic import arena_like_battles

    models, a, b, o, _ = arena_like_battles(args.models, args.battles, seed=0)
    if args.elo or args.elo_only:
        elo_section(models, a, b, o, args.elo_rounds, args.elo_peer_rounds)
        if args.elo_only:
            return 0
    ties = np.mean(o >= 2)
    print(f"{args.battles:,} battles, {args.models} models, {ties:.0%} ties; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "battles.npz")
        np.savez(npz, models=np.array(models), model_a=a.astype(np.int32), model_b=b.astype(np.int32),
                 outcome=o.astype(np.int8))
        ours_path = os.path.join(tmp, "ours.json")
        subprocess.run([sys.executable, __file__, "--child", npz, ours_path, "--rounds", str(args.rounds)], check=True)
        ours = json.load(open(ours_path))
        print(f"ours: Bradley-Terry + {args.rounds}-round bootstrap {ours['seconds']:.2f} s wall, "
              f"{ours['cpu_seconds']:.2f} s CPU on both cores (aggregation {ours['aggregate_seconds']:.2f} s), "
              f"load average now {os.getloadavg()[0]:.1f}; peak RSS {ours['peak_rss_mb']:.0f} MB "
              f"(process incl. interpreter and battle arrays; {ours['rss_before_mb']:.0f} MB before the fit)")
        print(f"ours: Bradley-Terry + sandwich from battles {ours['sandwich_seconds']:.3f} s; "
              f"mean 95% CI width bootstrap {ours['ci_width']:.2f} vs sandwich {ours['sandwich_width']:.2f}")
        if args.no_peers:
            return 0
        python = ensure_peers_venv()
        if python is None:
            return 0
        peers_path = os.path.join(tmp, "peers.json")
        proc = subprocess.run([str(python), str(HERE / "peers" / "run_peers.py"), npz, peers_path,
                               "--rounds", str(args.peer_rounds), "--only", args.peers])
        if proc.returncode or not os.path.exists(peers_path):
            print("peers run failed", file=sys.stderr)
            return 0
        peers = json.load(open(peers_path))
    print(f"{'peer':32s} {'seconds':>9s} {'ours':>7s} {'speed-up':>9s} {'max |Δrating|':>14s}  note")
    for name, res in peers.items():
        if "error" in res:
            print(f"{name:32s} failed: {res['error']}")
            continue
        with_ci = any(k in name for k in ("bootstrap", "fschat"))
        our_seconds = ours["seconds"] if with_ci else ours["sandwich_seconds"]
        if "fschat" in name:
            ref = ours["ratings_l2_double"]  # compare like with like: fschat's switches
            our_seconds = ours["seconds"] + ours["fschat_switches_seconds"]
        else:
            ref = ours["ratings"]
        common = [m for m in res["ratings"] if m in ref]
        diff = max(abs(res["ratings"][m] - ref[m]) for m in common) if common else float("nan")
        print(f"{name:32s} {res['seconds']:9.2f} {our_seconds:7.2f} {res['seconds'] / our_seconds:8.1f}x "
              f"{diff:14.4f}  {res.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
