"""Many battles at once within Discord's rate limits, with the fake enforcing them (scaled down:
5 message calls per second per channel, 20 requests per second globally)."""

from __future__ import annotations

import aiohttp

from arenabot.adapters.discord.ratelimits import DiscordLimits
from arenabot.ratelimit import Limit
from tests.discord.fake_discord import TOKEN, FakeDiscord, RateLimits
from tests.discord.harness import arena_settings, running_bot
from tests.support.manybattles import discord_run

GLOBAL = (20, 1.0)
FAKE_LIMITS = RateLimits(*GLOBAL, buckets=RateLimits().faster(5).buckets)
CLIENT_LIMITS = DiscordLimits(Limit(*GLOBAL), DiscordLimits().faster(5).routes)


async def test_twenty_battles_stream_without_a_429_and_every_reply_is_shown_whole(sqlite_url):
    report = await discord_run(20, FAKE_LIMITS, CLIENT_LIMITS, sqlite_url, delay_s=0.005, edit_interval=0.2, wait_s=120)
    assert report.violations == []
    assert (report.lost, report.half_shown) == (0, 0), report.problems
    for what, _calls, peak, limit, _ in report.usage:
        assert peak <= limit, what  # even counted in sliding windows, never over
    messages = next(row for row in report.usage if row[0].startswith("messages"))
    assert messages[2] == messages[3]  # the busiest thread used its whole edit budget: the limit was reached


async def test_the_fake_refuses_a_request_over_the_limit_like_discord_and_counts_it():
    fake = FakeDiscord(limits=RateLimits(50, 1.0, buckets=RateLimits().faster(5).buckets))
    await fake.start()
    try:
        channel = fake.channel_id
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as http:
            statuses, last = [], None
            for _ in range(6):
                async with http.post(f"{fake.api_base}/channels/{channel}/messages", json={"content": "hi"}) as response:
                    statuses.append(response.status)
                    last = (dict(response.headers), await response.json())
        assert statuses == [200] * 5 + [429]
        headers, body = last
        assert headers["X-RateLimit-Remaining"] == "0" and headers["X-RateLimit-Bucket"] == "fake-messages"
        assert 0 < float(headers["X-RateLimit-Reset-After"]) <= 1.0 and headers["X-RateLimit-Scope"] == "user"
        assert body["global"] is False and 0 < body["retry_after"] <= 1.0
        assert [what for what, _ in fake.violations] == ["messages"]
    finally:
        await fake.stop()


async def test_discordpy_waits_for_the_route_headers_on_its_own(sqlite_url):
    """Without our limiter's route table discord.py still keeps a bucket it has seen the headers
    of; only the global limit is ours alone to keep (discord.py learns it from a 429)."""
    fake = FakeDiscord(limits=RateLimits(1000, 1.0, buckets=RateLimits().faster(5).buckets))
    await fake.start()
    try:
        no_routes = DiscordLimits(Limit(1000, 1.0), ())
        async with running_bot(arena_settings(sqlite_url, fake), fake, rate_limits=no_routes) as bot:
            channel = bot.client.get_partial_messageable(fake.channel_id)
            message = await channel.send("edit me")
            for n in range(12):
                await message.edit(content=f"edit {n}")
        assert fake.violations == []
        edits = [r for r in fake.requests if r.method == "PATCH"]
        assert len(edits) == 12 and edits[-1].at - edits[0].at >= 1.0  # 13 calls at 5/s: waited twice
    finally:
        await fake.stop()


def test_a_shard_process_keeps_its_share_of_discords_global_limit():
    limits = DiscordLimits()
    assert limits.for_shards(None, None).global_limit == Limit(50, 1.0)
    assert limits.for_shards([0, 1], 4).global_limit == Limit(25, 1.0)  # 2 of 4 shards: half
    assert limits.for_shards([3], 64).global_limit == Limit(1, 1.0)  # never nothing
    assert limits.for_shards([0, 1], 4).routes == limits.routes  # a channel lives on one shard
    assert [q.key for q in limits.quotas("PATCH", "/channels/42/messages/7")] == ["global", "messages:42"]
    assert limits.quotas("POST", "/interactions/1/tok/callback") == []  # not bound by the global limit
