"""Which JSON parser reads battle logs fastest and leanest: the comparison behind arenabot/battlelog.py.

Each candidate reads the same generated log (the public board's shape, see ratings_bench.py) into
the three columns a rating needs (model_a, model_b, winner) in a fresh process; printed: wall and
CPU seconds and the process's peak RSS. Candidates not installed are skipped (orjson and pyarrow
are not arenabot dependencies: `pip install orjson pyarrow` into .venv to include them).

Run: .venv/bin/python bench/parsers_bench.py [--battles 1670000]
The machine is shared: compare CPU seconds more than wall seconds under load.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

CHUNK = 8 << 20


def lines_in_chunks(path: str):
    rest = b""
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            buf = rest + block
            cut = buf.rfind(b"\n") + 1
            rest = buf[cut:]
            yield buf[:cut]
    if rest.strip():
        yield rest


def columns_of_dicts(records, a, b, w):
    a += [r.get("model_a") for r in records]
    b += [r.get("model_b") for r in records]
    w += [r.get("winner") for r in records]


def read_stdlib(path):
    a, b, w = [], [], []
    with open(path, "rb") as fh:
        columns_of_dicts(map(json.loads, fh), a, b, w)
    return len(a)


def read_orjson(path):
    import orjson

    a, b, w = [], [], []
    with open(path, "rb") as fh:
        columns_of_dicts(map(orjson.loads, fh), a, b, w)
    return len(a)


def read_msgspec_dicts(path):
    import msgspec

    decoder = msgspec.json.Decoder()
    a, b, w = [], [], []
    for chunk in lines_in_chunks(path):
        columns_of_dicts(decoder.decode_lines(chunk), a, b, w)
    return len(a)


def read_pyarrow(path):
    import pyarrow as pa
    import pyarrow.json as pj

    schema = pa.schema([("model_a", pa.string()), ("model_b", pa.string()), ("winner", pa.string())])
    table = pj.read_json(path, parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
                         read_options=pj.ReadOptions(block_size=CHUNK))
    codes = [table.column(c).dictionary_encode() for c in ("model_a", "model_b", "winner")]
    return len(codes[0])


def read_battlelog(path):
    """arenabot's reader: msgspec typed structs of only the needed fields, columns as numpy."""
    from arenabot.battlelog import load_battles

    return len(load_battles(path, style=False, categories=False, anony=False, tstamp=False, workers=1))


def read_battlelog_two(path):
    from arenabot.battlelog import load_battles

    return len(load_battles(path, style=False, categories=False, anony=False, tstamp=False, workers=2))


CANDIDATES = {
    "stdlib json, per line": (read_stdlib, None),
    "orjson, per line": (read_orjson, "orjson"),
    "msgspec, dicts (decode_lines)": (read_msgspec_dicts, "msgspec"),
    "pyarrow.json (C++, threads)": (read_pyarrow, "pyarrow.json"),
    "arenabot battlelog (msgspec typed), 1 process": (read_battlelog, "msgspec"),
    "arenabot battlelog (msgspec typed), 2 processes": (read_battlelog_two, "msgspec"),
}


def peak_rss_mb() -> float:
    """This process's high-water mark (VmHWM; ru_maxrss would include the parent's from before exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(name: str, path: str) -> None:
    module = CANDIDATES[name][1]
    if module:
        __import__(module)  # imports are start-up cost, not parsing: keep them out of the timing
    if name.startswith("arenabot"):
        import arenabot.battlelog  # noqa: F401
        import numpy  # noqa: F401
    t0, c0 = time.perf_counter(), time.process_time()
    n = CANDIDATES[name][0](path)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"n": n, "wall": wall, "cpu": cpu + children.ru_utime + children.ru_stime,
                      "peak_mb": peak_rss_mb()}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_670_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    import importlib.util

    from ratings_bench import write_log
    from synthetic import arena_like_battles

    models, a, b, o, _ = arena_like_battles(129, args.battles, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "battles.jsonl")
        write_log(path, [f"{m}-chat-v{k % 3}" for k, m in enumerate(models)], a, b, o, array=False)
        size = os.path.getsize(path) / 2**20
        print(f"{args.battles:,} battles as JSON lines, {size:.0f} MiB; load average {os.getloadavg()[0]:.1f}")
        print(f"{'parser':48s} {'wall s':>7s} {'CPU s':>7s} {'peak MB':>8s}  (CPU includes helper processes)")
        for name, (_, module) in CANDIDATES.items():
            if module and importlib.util.find_spec(module.split(".")[0]) is None:
                print(f"{name:48s} skipped: {module} is not installed")
                continue
            done = subprocess.run([sys.executable, __file__, "--child", name, path], capture_output=True, text=True)
            if done.returncode:
                print(f"{name:48s} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            res = json.loads(done.stdout)
            print(f"{name:48s} {res['wall']:7.2f} {res['cpu']:7.2f} {res['peak_mb']:8.0f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
