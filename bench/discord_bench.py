"""Discord adapter throughput against the local fake Discord: reaction votes per second end to end
(gateway dispatch -> discord.py -> adapter -> core -> database) and streamed-edit counts.

    .venv/bin/python bench/discord_bench.py [--voters 200] [--db sqlite+aiosqlite:///tmp/bench.db] [--secret]

--secret gives the bot Manage Messages, so it removes every voter's reaction once the vote is
stored (the secret ballot) and confirms each vote by DM; it also times until the ballot is clean.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.discord.fake_discord import BOT_ID, MANAGE_MESSAGES, FakeDiscord  # noqa: E402
from tests.discord.harness import arena_settings, eventually, running_bot  # noqa: E402


async def main(voters: int, db_url: str | None, secret: bool) -> None:
    fake = FakeDiscord()
    await fake.start()
    if secret:
        fake.give_role(BOT_ID, fake.add_role("arenabot", MANAGE_MESSAGES))
    hidden_s = 0.0
    db_url = db_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    settings = arena_settings(db_url, fake, delay_s=0.01)
    try:
        async with running_bot(settings, fake, edit_interval=0.1) as bot:
            creator = fake.add_user(name="creator")
            started = time.perf_counter()
            state = await fake.invoke(creator, ["arena", "battle"], {"prompt": "Explain tides to a child"})
            thread_id = await eventually(lambda: next((int(c["id"]) for c in fake.channels.values() if c["type"] == 11), None), "thread")
            ballot = await eventually(
                lambda: next((m for m in fake.messages.values() if m["channel_id"] == str(thread_id) and len(m["reactions"]) == 4), None),
                "ballot",
                timeout=60,
            )
            battle_s = time.perf_counter() - started
            edits = sum(len(m["edits"]) for m in fake.messages.values() if m["channel_id"] == str(thread_id))
            battle = await bot.service.store.battle_by_thread("discord", str(thread_id))
            members = [fake.add_user(name=f"voter{i}") for i in range(voters)]
            emoji = ["🅰️", "🅱️", "🤝", "👎"]
            started = time.perf_counter()
            for i, member in enumerate(members):
                await fake.react(member, int(ballot["id"]), emoji[i % 4])

            async def counted() -> int:
                return (await bot.service.store.get_battle(battle.id)).counted_votes

            while await counted() < voters:
                await asyncio.sleep(0.01)
            vote_s = time.perf_counter() - started
            if secret:
                await eventually(lambda: len(fake.messages[int(ballot["id"])]["reactions"]) == 4, "every reaction removed", timeout=120)
                hidden_s = time.perf_counter() - started

            def dms_sent() -> bool:
                dm_channels = {c["id"] for c in fake.channels.values() if c["type"] == 1}
                return sum(m["channel_id"] in dm_channels for m in list(fake.messages.values())) >= voters

            await eventually(dms_sent, "DM reveals", timeout=120)
            dm_s = time.perf_counter() - started
            assert state["followups"]
            started = time.perf_counter()  # the adapter alone: DMs straight through the platform port
            await asyncio.gather(*(bot.client.platform.notify(str(m), str(thread_id), "bench") for m in members))
            notify_s = time.perf_counter() - started
    finally:
        await fake.stop()
    print(f"database: {db_url.split('://')[0]}")
    print(f"battle (two streamed demo replies, 10 ms/word): {battle_s:.2f} s, {edits} message edits in the thread")
    print(f"{voters} reaction votes end to end: {vote_s:.2f} s = {voters / vote_s:.0f} votes/s counted")
    if secret:
        print(f"... and every voter's reaction removed again (secret ballot): {hidden_s:.2f} s")
    print(f"... and each voter's private reveal DM sent: {dm_s:.2f} s")
    print(f"{voters} concurrent DMs through DiscordPlatform.notify alone: {notify_s:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--secret", action="store_true", help="the bot may remove reactions: time the secret ballot")
    args = parser.parse_args()
    asyncio.run(main(args.voters, args.db, args.secret))
