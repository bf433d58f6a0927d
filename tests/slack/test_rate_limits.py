"""Many battles at once within Slack's rate limits, with the fake enforcing them (scaled down:
chat.update 5 per second for the workspace, chat.postMessage 5 per second per channel)."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from arenabot.adapters.slack.ratelimits import SlackLimits
from arenabot.ratelimit import Limit
from tests.slack.fake_slack import FakeSlack, RateLimits
from tests.support.manybattles import slack_run

PER_SECOND = {
    "chat.update": 5,
    "chat.delete": 5,
    "reactions.add": 10,
    "conversations.join": 5,
    "conversations.open": 5,
    "chat.postEphemeral": 10,
    "users.info": 20,
    "usergroups.users.list": 2,
}
POSTS_PER_CHANNEL = 5
FAKE_LIMITS = RateLimits({m: (n, 1.0) for m, n in PER_SECOND.items()}, (POSTS_PER_CHANNEL, 1.0))
CLIENT_LIMITS = SlackLimits({m: Limit(n, 1.0) for m, n in PER_SECOND.items()}, Limit(POSTS_PER_CHANNEL, 1.0))


async def test_twenty_battles_stream_without_a_429_and_every_reply_is_shown_whole(sqlite_url):
    report = await slack_run(20, FAKE_LIMITS, CLIENT_LIMITS, sqlite_url, channels=4, delay_s=0.005, edit_interval=0.2, wait_s=120)
    assert report.violations == []
    assert (report.lost, report.half_shown) == (0, 0), report.problems
    usage = {what: (calls, peak, limit) for what, calls, peak, limit, _ in report.usage}
    assert all(peak <= limit for _, peak, limit in usage.values()), usage
    calls, peak, limit = usage["chat.update"]
    assert peak == limit and calls >= 40  # one budget for all 40 replies, used to the full
    # Twenty commands at once looked the moderators up once, and joined each of the 4 channels once.
    assert usage["usergroups.users.list"][0] == 1 and usage["conversations.join"][0] == 4


async def test_the_fake_refuses_a_call_over_the_limit_like_slack_and_counts_it(fake_slack: FakeSlack):
    fake_slack.limits = FAKE_LIMITS
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url, retry_handlers=[])  # no pacing, no retry
    posted = await client.chat_postMessage(channel="C1", text="hello")
    for n in range(PER_SECOND["chat.update"]):
        await client.chat_update(channel="C1", ts=posted["ts"], text=f"edit {n}")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel="C1", ts=posted["ts"], text="one too many")
    assert refused.value.response.status_code == 429 and refused.value.response["error"] == "ratelimited"
    assert int(refused.value.response.headers["retry-after"]) >= 1
    assert [c.method for c in fake_slack.violations] == ["chat.update"]
