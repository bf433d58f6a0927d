"""Many battles at once within the platforms' published rate limits (issue 14).

200 battles are started together on one Discord guild and on one Slack workspace (the local
fakes, enforcing the limits and answering 429 like the platforms), with demo models streaming
word by word. Printed per platform: calls per limited method/route, the busiest window seen vs
the limit, violations (429s, target 0), replies lost or half-shown (each reply message compared
with the full reply its provider produced), and wall time.

    .venv/bin/python bench/ratelimit_bench.py [--battles 200] [--speedup 10] [--platform both]

The limits are Discord's (50 requests/s global, 5 message calls per 5 s per channel, ...) and
Slack's (chat.update and reactions.add Tier 3: 50 a minute per workspace; chat.postMessage 1/s
per channel): see adapters/discord/ratelimits.py and adapters/slack/ratelimits.py. They are
tight: at the published figures 200 Slack battles need over 16 minutes just for their 800 vote
reactions. `--speedup N` shortens every window N times on both sides (fake and bot) so a run
takes minutes; `--speedup 1` is the real thing. `--unpaced` also runs the bot with no limits of
its own (only what discord.py and slack_sdk do by themselves) for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arenabot.adapters.discord.ratelimits import DiscordLimits
from arenabot.adapters.slack.ratelimits import SlackLimits
from arenabot.ratelimit import Limit
from tests.discord.fake_discord import RateLimits as DiscordFakeLimits
from tests.slack.fake_slack import RateLimits as SlackFakeLimits
from tests.support.manybattles import RunReport, discord_run, slack_run

UNLIMITED = Limit(1_000_000, 1.0)


async def run(platform: str, args: argparse.Namespace, unpaced: bool, db_url: str) -> RunReport:
    common = {"delay_s": args.delay, "edit_interval": args.edit_interval, "wait_s": args.timeout}
    if platform == "discord":
        client = DiscordLimits(UNLIMITED, ()) if unpaced else DiscordLimits().faster(args.speedup)
        return await discord_run(args.battles, DiscordFakeLimits().faster(args.speedup), client, db_url, **common)
    client_slack = SlackLimits({}, UNLIMITED) if unpaced else SlackLimits().faster(args.speedup)
    return await slack_run(
        args.battles, SlackFakeLimits().faster(args.speedup), client_slack, db_url, channels=args.channels, **common
    )


async def main(args: argparse.Namespace) -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{args.battles} battles, limits' windows {args.speedup:g}x shorter than published, "
        f"demo replies at {args.delay * 1000:g} ms/word, previews at most every {args.edit_interval:g} s per reply"
    )
    platforms = ["discord", "slack"] if args.platform == "both" else [args.platform]
    directory = tempfile.mkdtemp()
    for platform in platforms:
        for unpaced in [False, True] if args.unpaced else [False]:
            report = await run(platform, args, unpaced, f"sqlite+aiosqlite:///{directory}/{platform}-{unpaced}.db")
            if unpaced:
                report.platform += " UNPACED (no limiter of ours)"
            print("\n".join(report.lines()), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battles", type=int, default=200)
    parser.add_argument("--platform", choices=["both", "discord", "slack"], default="both")
    parser.add_argument(
        "--speedup", type=float, default=10.0, help="shorten every limit window this many times (1 = as published)"
    )
    parser.add_argument("--channels", type=int, default=20, help="Slack channels the battles are spread over")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per streamed word of a demo reply")
    parser.add_argument("--edit-interval", type=float, default=1.0, help="least seconds between two previews of one reply")
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up waiting for ballots after this many seconds")
    parser.add_argument("--unpaced", action="store_true", help="also run without our limiter, for comparison")
    # Expected noise (streaming edits given up on, SDK retry warnings) would drown the figures.
    logging.basicConfig(level=logging.CRITICAL)
    asyncio.run(main(parser.parse_args()))
