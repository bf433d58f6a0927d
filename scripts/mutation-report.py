#!/usr/bin/env python3
"""Kill rate of a `mutmut run`, from `mutmut results --all true` on stdin.

Usage: mutmut results --all true | scripts/mutation-report.py [MUTANT_GLOB ...]
Only mutants matching one of the globs count (all of them without globs). Prints the kill rate
per module and overall, then every surviving mutant (`mutmut show NAME` prints its diff).
"""
from __future__ import annotations

import fnmatch
import re
import sys
from collections import Counter, defaultdict

LINE = re.compile(r"^\s*(?P<name>\S+__mutmut_\d+): (?P<status>.+?)\s*$")
KILLED = {"killed", "timeout"}  # a mutant that makes the tests hang is caught too
NOT_RUN = {"not checked", "skipped"}


def main() -> int:
    patterns = sys.argv[1:]
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[tuple[str, str]] = []
    for line in sys.stdin:
        match = LINE.match(line)
        if not match:
            continue
        name, status = match["name"], match["status"]
        if patterns and not any(fnmatch.fnmatch(name, p) for p in patterns):
            continue
        module = name.rsplit(".", 1)[0]  # "arenabot.anonymity.x_fn__mutmut_3" or "...xǁClassǁmethod__mutmut_3"
        by_module[module][status] += 1
        if status not in KILLED | NOT_RUN:
            survivors.append((name, status))
    if not by_module:
        print("no mutation results match; run `make mutate` first")
        return 1
    total = Counter()
    print(f"{'module':40} {'killed':>7} {'tested':>7} {'kill rate':>9}")
    for module, counts in sorted(by_module.items()):
        killed = sum(counts[s] for s in KILLED)
        tested = sum(counts.values()) - sum(counts[s] for s in NOT_RUN)
        total.update(counts)
        print(f"{module:40} {killed:7d} {tested:7d} {_rate(killed, tested):>9}")
    killed = sum(total[s] for s in KILLED)
    tested = sum(total.values()) - sum(total[s] for s in NOT_RUN)
    print(f"{'total':40} {killed:7d} {tested:7d} {_rate(killed, tested):>9}")
    not_run = sum(total[s] for s in NOT_RUN)
    if not_run:
        print(f"({not_run} mutants not run yet)")
    for name, status in survivors:
        print(f"  {status}: {name}")
    return 0


def _rate(killed: int, tested: int) -> str:
    return f"{100 * killed / tested:.1f}%" if tested else "-"


if __name__ == "__main__":
    sys.exit(main())
