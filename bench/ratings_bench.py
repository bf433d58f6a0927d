"""Ratings speed, end to end, versus FastChat's method from the same run.

Default (issue 14's "Logs" target): writes a battle log of the public board's size and shape
(1.67M battles, 129 models, the clean_battle fields; about 250 MB as JSON lines), then times what
a user waits for: `arenabot ratings LOG --bootstrap 1000 --ci bootstrap --json` as a subprocess,
on the JSON lines file and on the same battles as a JSON array, with the peak memory of its
processes. FastChat's method (pandas load + its Bradley-Terry fit + bootstrap, see
bench/peers/fastchat_e2e.py) runs on the same file in bench/peers/.venv; its bootstrap is run for
--peer-rounds rounds and scaled to 1,000. Target: at least 100x faster, peak memory < 2x the file.
The public board's method (`rating_systems.compute_bt`) is not in fschat's PyPI release: put a
checkout of FastChat's `fastchat/` folder on PYTHONPATH to measure it (e.g. fetched beside the
project, never committed), with --peer-rounds 50, since 2 rounds count its bootstrap's setup
twice and overstate it; without it the peer falls back to fschat 0.2.36's much slower fit.

--engine: the in-process engine comparison (aggregation + fit + 1000-round bootstrap on arrays)
against the peer libraries (arena-rank, fschat 0.2.36's compute_mle_elo, evalica, choix).

--elo (with the default run) or --elo-only: Elo side by side. `arenabot ratings --elo --bootstrap
1000`'s vectorised bootstrap (all rounds in one pass of the log) against FastChat's documented Elo
bootstrap (elo_analysis.get_bootstrap_result + compute_elo: each round draws the log with
replacement, battles.sample(frac=1, replace=True), and replays it row by row with itertuples),
re-implemented here from that description (pandas when installed, else plain lists, which is
faster than the original and so favours the peer). The peer is timed on --elo-peer-rounds rounds
and scaled to 100. Target: our 1,000 rounds take less time than its 100.

Run: .venv/bin/python bench/ratings_bench.py [--battles 1670000] [--models 129] [--peer-rounds 2]
     [--no-peers] [--engine] [--elo | --elo-only] [--elo-rounds 1000] [--elo-peer-rounds 2]
The machine is shared: figures move with the load average, printed alongside.
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


def engine_main(args) -> int:
    from synthetic import arena_like_battles

    models, a, b, o, _ = arena_like_battles(args.models, args.battles, seed=0)
    ties = np.mean(o >= 2)
    print(f"{args.battles:,} battles, {args.models} models, {ties:.0%} ties; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "battles.npz")
        np.savez(npz, models=np.array(models), model_a=a.astype(np.int32), model_b=b.astype(np.int32),
                 outcome=o.astype(np.int8))
        ours_path = os.path.join(tmp, "ours.json")
        subprocess.run([sys.executable, __file__, "--child", npz, ours_path, "--rounds", str(args.rounds), "--engine"],
                       check=True)
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


WINNERS = np.array(["model_a", "model_b", "tie", "tie (bothbad)"])


def write_log(path: str, models: list[str], a, b, o, *, array: bool) -> None:
    """The clean_battle fields of the public log (model_a, model_b, winner, judge, anony, tstamp)."""
    rng = np.random.default_rng(1)
    n = len(o)
    anony = np.where(rng.random(n) < 0.8, "true", "false")
    tstamp = 1682351591.0 + np.sort(rng.random(n)) * 4e7
    judge = rng.integers(0, 400_000, n)
    names = np.array(models)
    with open(path, "w") as fh:
        fh.write("[\n" if array else "")
        sep = ",\n" if array else "\n"
        step = 100_000
        for start in range(0, n, step):
            end = min(n, start + step)
            lines = [f'{{"model_a": "{ma}", "model_b": "{mb}", "winner": "{w}", "judge": "arena_user_{j}", '
                     f'"anony": {an}, "tstamp": {t:.4f}}}'
                     for ma, mb, w, j, an, t in zip(names[a[start:end]].tolist(), names[b[start:end]].tolist(),
                                                     WINNERS[o[start:end]].tolist(), judge[start:end].tolist(),
                                                     anony[start:end].tolist(), tstamp[start:end].tolist())]
            fh.write(sep.join(lines) + (sep if end < n or not array else ""))
        fh.write("\n]\n" if array else "")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (0 when it is gone)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# Runs `python -m arenabot ...` and, as it exits, records its memory high-water mark (VmHWM: unlike
# ru_maxrss it does not start from the parent's size at fork).
_WRAPPER = """
import atexit, os, runpy, sys
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["BENCH_HWM_FILE"], "w").write(line.split()[1])
atexit.register(hwm)
sys.argv = ["arenabot", *sys.argv[1:]]
runpy.run_module("arenabot", run_name="__main__")
"""


def run_ours(argv: list[str], out_path: str) -> dict:
    """Wall time of the command as a user runs it; its process's peak RSS, and the peak of all its
    processes together (sampled every 10 ms: the reader's helper process runs alongside)."""
    hwm_file = out_path + ".hwm"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_HWM_FILE": hwm_file}
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *argv], stdout=out, stderr=subprocess.PIPE, env=env)
        peak_tree = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, tree_rss_mb(proc.pid))
            time.sleep(0.01)  # sampling interval of the memory probe, not a wait for a condition
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"arenabot {' '.join(argv)} failed: {proc.stderr.read().decode()[-800:]}")
    peak = int(open(hwm_file).read()) / 1024
    return {"seconds": wall, "peak_mb": peak, "peak_tree_mb": max(peak_tree, peak),
            "cpu_seconds": usage.ru_utime + usage.ru_stime}


def phases(log: str, rounds: int) -> int:
    """Where our end-to-end time goes, in a fresh process: imports, reading, fit + bootstrap."""
    t0, c0 = time.perf_counter(), time.process_time()
    from arenabot.battlelog import load_battles
    from arenabot.ratings import rate_battles

    t1, c1 = time.perf_counter(), time.process_time()
    log_ = load_battles(log, style=False, categories=False, anony=False, tstamp=False)
    t2, c2 = time.perf_counter(), time.process_time()
    rate_battles(log_.models, log_.model_a, log_.model_b, log_.outcome, ci="bootstrap", rounds=rounds, seed=0)
    t3, c3 = time.perf_counter(), time.process_time()
    print(f"  phases: imports {t1 - t0:.2f} s ({c1 - c0:.2f} CPU), reading {t2 - t1:.2f} s ({c2 - c1:.2f} CPU in "
          f"this process; a helper process reads half), fit + {rounds} bootstrap rounds {t3 - t2:.2f} s ({c3 - c2:.2f} CPU)")
    return 0


def end_to_end(args) -> int:
    from synthetic import arena_like_battles

    models, a, b, o, _ = arena_like_battles(args.models, args.battles, seed=0)
    models = [f"{m}-chat-v{k % 3}" for k, m in enumerate(models)]
    command = ["ratings"]
    flags = ["--bootstrap", str(args.rounds), "--ci", "bootstrap", "--json"]
    with tempfile.TemporaryDirectory() as tmp:
        lines, array = os.path.join(tmp, "battles.jsonl"), os.path.join(tmp, "battles.json")
        t0 = time.perf_counter()
        write_log(lines, models, a, b, o, array=False)
        write_log(array, models, a, b, o, array=True)
        size_lines, size_array = os.path.getsize(lines) / 2**20, os.path.getsize(array) / 2**20
        print(f"{args.battles:,} battles, {args.models} models: JSON lines {size_lines:.0f} MiB, JSON array "
              f"{size_array:.0f} MiB (written in {time.perf_counter() - t0:.0f} s); {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        out = os.path.join(tmp, "out.json")
        ours = {}
        for label, path, size in (("JSON lines", lines, size_lines), ("JSON array", array, size_array)):
            for attempt in range(args.repeat):
                res = run_ours([*command, path, *flags], out)
                if label not in ours or res["seconds"] < ours[label]["seconds"]:
                    ours[label] = res
            res = ours[label]
            n = json.load(open(out))["n_battles"]
            print(f"ours, {label:10s}: {res['seconds']:6.2f} s wall ({res['cpu_seconds']:.2f} s CPU), peak RSS "
                  f"{res['peak_mb']:.0f} MB its process, {res['peak_tree_mb']:.0f} MB with its helper (sampled) = "
                  f"{res['peak_tree_mb'] / size:.2f}x the file; {n:,.0f} battles rated; best of {args.repeat}, "
                  f"load average now {os.getloadavg()[0]:.1f}")
            if label == "JSON lines":
                # as the command line does (arenabot/cli.py): one BLAS thread, set before numpy loads
                subprocess.run([sys.executable, __file__, "--phases", path, "--rounds", str(args.rounds)], check=True,
                               env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        if args.no_peers:
            return 0
        python = ensure_peers_venv()
        if python is None:
            return 0
        peer_out = os.path.join(tmp, "fastchat.json")
        proc = subprocess.run([str(python), str(HERE / "peers" / "fastchat_e2e.py"), lines, peer_out,
                               "--rounds", str(args.peer_rounds)])
        if proc.returncode or not os.path.exists(peer_out):
            print("FastChat's method failed to run", file=sys.stderr)
            return 0
        peer = json.load(open(peer_out))
    ours_s = ours["JSON lines"]["seconds"]
    print(f"FastChat's method: {peer['seconds_1000_rounds']:.1f} s for 1,000 rounds = load {peer['load_seconds']:.1f} s + "
          f"fit {peer['fit_seconds']:.1f} s + bootstrap {peer['bootstrap_seconds']:.1f} s for {peer['rounds_run']} "
          f"rounds scaled to 1,000; peak RSS {peer['peak_rss_mb']:.0f} MB ({peer['method']})")
    print(f"speed-up end to end (JSON lines): {peer['seconds_1000_rounds'] / ours_s:.0f}x "
          f"(target >= 100x); load average now {os.getloadavg()[0]:.1f}")
    if "rating_systems" not in peer["method"]:
        # compute_bt/compute_bootstrap_bt are not on PyPI (fschat 0.2.36 predates them): say what
        # the same command gives against the figure issue 14 recorded for them on this machine.
        print(f"note: FastChat's compute_bt + compute_bootstrap_bt (not installable from PyPI) took about "
              f"{args.reference_seconds:.0f} s here when issue 14 was filed; against that figure (not measured "
              f"in this run): {args.reference_seconds / ours_s:.0f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_670_000)
    parser.add_argument("--models", type=int, default=129)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--peer-rounds", type=int, default=2)
    parser.add_argument("--reference-seconds", type=float, default=175.0,
                        help="issue 14's recorded time for FastChat's compute_bt method, shown when it cannot run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of our command per file (best is shown)")
    parser.add_argument("--peers", default="choix,evalica,arena-rank,fschat")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--engine", action="store_true", help="in-process engine comparison with the peer libraries")
    parser.add_argument("--elo", action="store_true", help="also time the Elo bootstrap against FastChat's method")
    parser.add_argument("--elo-only", action="store_true", help="only the Elo section")
    parser.add_argument("--elo-rounds", type=int, default=1000)
    parser.add_argument("--elo-peer-rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("NPZ", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--phases", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, args.rounds)
    if args.phases:
        return phases(args.phases, args.rounds)
    if args.elo or args.elo_only:
        from synthetic import arena_like_battles

        models, a, b, o, _ = arena_like_battles(args.models, args.battles, seed=0)
        elo_section(models, a, b, o, args.elo_rounds, args.elo_peer_rounds)
        if args.elo_only:
            return 0
    return engine_main(args) if args.engine else end_to_end(args)


if __name__ == "__main__":
    sys.exit(main())
