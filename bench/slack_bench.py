"""Slack adapter throughput against the local fake Slack: signed reaction events per second end to
end (HTTP -> signature check -> Bolt -> adapter -> core -> database), and how many chat.update
calls a streamed reply costs at the default pace of one edit per second.

    .venv/bin/python bench/slack_bench.py [--voters 300] [--concurrency 20] [--db URL]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.harness import CHANNEL, arena_settings, slack_harness  # noqa: E402
from tests.slack.payloads import reaction  # noqa: E402


async def votes_per_second(db_url: str, voters: int, concurrency: int) -> None:
    fake = await FakeSlack().start()
    try:
        async with slack_harness(fake, arena_settings(db_url, arena={"reveal_to_voter": False})) as slack:
            battle = await slack.start_battle()
            gate = asyncio.Semaphore(concurrency)

            async def vote(n: int) -> None:
                async with gate:
                    status = await slack.event(reaction(f"U{n:08d}", "ab"[n % 2], CHANNEL, battle.ballot_ts))
                    assert status == 200, status

            started = time.perf_counter()
            await asyncio.gather(*(vote(n) for n in range(voters)))
            await slack.arena.listeners.wait_idle()
            elapsed = time.perf_counter() - started
            counted = await slack.service.store.counted_votes(1)
            print(f"votes: {voters} signed reaction events, {counted} counted, {elapsed:.2f} s, {voters / elapsed:.0f} votes/s")
    finally:
        await fake.close()


async def edits_per_reply(db_url: str) -> None:
    fake = await FakeSlack().start()
    try:
        # ~40 words at 0.1 s each: a reply streams for about 4 s.
        settings = arena_settings(db_url)
        for model in settings.models:
            model.params["delay_s"] = 0.1
        async with slack_harness(fake, settings, edit_interval=1.0) as slack:
            started = time.perf_counter()
            battle = await slack.start_battle()
            elapsed = time.perf_counter() - started
            replies = fake.thread(CHANNEL, battle.header_ts)[:2]
            words = [len(r.body.split()) for r in replies]
            edits = [len(r.edits) for r in replies]
            print(f"streaming: battle took {elapsed:.1f} s; replies of {words} words took {edits} chat.update calls (1 s pace)")
    finally:
        await fake.close()


async def main(voters: int, concurrency: int, db_url: str | None) -> None:
    directory = tempfile.mkdtemp()
    await votes_per_second(db_url or f"sqlite+aiosqlite:///{directory}/votes.db", voters, concurrency)
    await edits_per_reply(db_url or f"sqlite+aiosqlite:///{directory}/edits.db")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file); for PostgreSQL use an empty database")
    args = parser.parse_args()
    asyncio.run(main(args.voters, args.concurrency, args.db))
