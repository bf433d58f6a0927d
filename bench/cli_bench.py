"""Command-line start-up: how long `arenabot --help`, `arenabot CMD --help`, `--version` and
`arenabot ratings` on a small file take, next to `python -c pass` measured in the same run (the
floor no command can beat). Targets: help and version < 0.3 s, ratings on a small file < 0.6 s.

Each command runs as a fresh process, the way a user starts it; the median of --repeat runs is
shown, wall-clock and CPU (user + system of the process: what the command itself costs, which
moves far less with the machine's load than the wall-clock time does). On a shared, loaded
machine the absolute figures move with the load: compare with the floor printed alongside.

Run: .venv/bin/python bench/cli_bench.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"help": 0.3, "ratings": 0.6}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], repeat: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of `repeat` fresh runs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times, cpu = [], []
    for _ in range(repeat):
        cpu_start, start = _children_cpu(), time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env, cwd=ROOT)
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - cpu_start)
        if done.returncode not in (0, 2):
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
    return statistics.median(times), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    arenabot = [python, "-m", "arenabot"]
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.jsonl"
        small.write_text("\n".join(json.dumps({"model_a": a, "model_b": b, "winner": w}) for a, b, w in
                                   [("x", "y", "model_a"), ("y", "z", "tie"), ("z", "x", "model_b"), ("y", "x", "model_a")]) + "\n")
        cases = [
            ("python -c pass (floor)", [python, "-c", "pass"], None),
            ("arenabot --help", [*arenabot, "--help"], "help"),
            ("arenabot --version", [*arenabot, "--version"], "help"),
            *[(f"arenabot {cmd} --help", [*arenabot, *cmd.split(), "--help"], "help")
              for cmd in ("ratings", "leaderboard", "import", "export", "run", "db upgrade", "models discover",
                          "discord", "slack")],
            ("arenabot ratings SMALL (4 battles)", [*arenabot, "ratings", str(small)], "ratings"),
            ("arenabot ratings SMALL --json", [*arenabot, "ratings", str(small), "--json"], "ratings"),
        ]
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; median of {args.repeat} runs each")
        print(f"{'command':40s} {'seconds':>8s} {'- floor':>8s} {'cpu':>7s} {'- floor':>8s} {'target':>7s}")
        floor = cpu_floor = None
        for label, argv, kind in cases:
            seconds, cpu = timed(argv, args.repeat)
            if floor is None or cpu_floor is None:
                floor, cpu_floor = seconds, cpu
            target = f"{TARGETS[kind]:.1f}" if kind else ""
            verdict = "" if not kind else ("ok" if seconds < TARGETS[kind] else "OVER")
            print(f"{label:40s} {seconds:8.3f} {seconds - floor:8.3f} {cpu:7.3f} {cpu - cpu_floor:8.3f} {target:>7s} {verdict}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
