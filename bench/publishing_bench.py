"""Published boards: how long one scheduled publication (board fit, snapshot, claim, chart, post
to a fake platform) and one board web page (every category and mode, with histories) take.

    .venv/bin/python bench/publishing_bench.py [--models 60] [--battles 20000] [--snapshots 20]

SQLite in a temp directory; synthetic arena-like battles (bench/synthetic.py) imported as
revealed battles, a fifth of them tagged coding. Prints medians over the runs.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.chart import plotting_available  # noqa: E402
from arenabot.app import build_core  # noqa: E402
from arenabot.config import settings_from_dict  # noqa: E402
from arenabot.domain import Scope  # noqa: E402
from arenabot.features.publishing import page  # noqa: E402
from bench.synthetic import arena_like_battles  # noqa: E402
from tests.support.fake_platform import FakePlatform  # noqa: E402

SCOPE = Scope("bench", "guild")
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


async def main(args: argparse.Namespace) -> None:
    models, a, b, outcome, _ = arena_like_battles(args.models, args.battles, seed=1)
    records = [
        {"model_a": models[i], "model_b": models[j], "winner": WINNERS[o], "judge": f"j{k}",
         **({"category_tag": {"coding": True}} if k % 5 == 0 else {})}
        for k, (i, j, o) in enumerate(zip(a, b, outcome, strict=True))
    ]
    now = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from_dict({"database": {"url": f"sqlite+aiosqlite:///{tmp}/bench.db"}})
        async with build_core(settings, clock=lambda: now[0]) as service:
            for start in range(0, len(records), 5000):
                await service.store.import_clean_battles(records[start:start + 5000], SCOPE.key, now[0])
            platform = FakePlatform()
            await service.publishing.schedule(SCOPE, platform, "boards", "day")
            publish = []
            for _ in range(args.snapshots):
                started = time.perf_counter()
                assert await service.publishing.publish_due(platform) == 1
                publish.append(time.perf_counter() - started)
                now[0] += timedelta(days=1)
            pages = []
            for _ in range(5):
                started = time.perf_counter()
                html = page.render("bench", await service.publishing.page_boards(SCOPE.key), now[0])
                pages.append(time.perf_counter() - started)
    print(f"{args.models} models, {args.battles} battles, {args.snapshots} snapshots (SQLite)")
    drawn = "with" if plotting_available() else "without (no matplotlib)"
    print(f"one publication (fit + snapshot + claim + post, {drawn} the chart): median {1000 * statistics.median(publish):.1f} ms, "
          f"first {1000 * publish[0]:.1f} ms")
    print(f"board web page (all boards + histories): median {1000 * statistics.median(pages):.1f} ms, {len(html) / 1024:.0f} KiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=60)
    parser.add_argument("--battles", type=int, default=20_000)
    parser.add_argument("--snapshots", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
