"""Content moderation on Slack (the real Bolt app against the fake Slack, and a fake moderation
endpoint): a flagged prompt is refused ephemerally and posts nothing; a flagged reply's message is
replaced by a notice (Slack has no spoilers) and its battle is void."""
from __future__ import annotations

from arenabot.domain import BattleStatus
from tests.slack.harness import CHANNEL, arena_settings, slack_harness
from tests.support.fake_moderation import FakeModeration

PROMPT = "write a haiku about rain"


async def test_flagged_prompts_and_replies_on_slack(fake_slack, sqlite_url) -> None:
    # The demo models repeat the prompt's words: the prompt passes, its replies are flagged.
    server = await FakeModeration(flag_words={"haiku": "violence", "kaboom": "violence"}, allow={PROMPT}).start()
    try:
        settings = arena_settings(sqlite_url, moderation={"base_url": server.url})
        async with slack_harness(fake_slack, settings) as slack:
            assert await slack.command("battle kaboom time") == 200
            refusal = await slack.fake.wait_for(lambda: slack.fake.responses, what="the refusal")
            assert refusal[0]["response_type"] == "ephemeral" and "content moderation flagged it" in refusal[0]["text"]
            assert not slack.fake.calls_to("chat.postMessage")

            assert await slack.command(f"battle {PROMPT}") == 200
            battle = await slack.fake.wait_for(
                lambda: slack.service.store.get_battle(1), what="the battle"
            )
            note = await slack.fake.wait_for(
                lambda: [m for m in slack.fake.messages.values() if "reply was flagged by content moderation" in m.body],
                what="the flagged-reply note",
            )
            await slack.settled()
            thread = slack.fake.thread(CHANNEL, note[0].thread_ts or "")
            hidden = [m for m in thread if "hidden by content moderation" in m.body]
            assert hidden and all("haiku" not in m.body for m in hidden)
            assert all("violence" in m.body for m in hidden)
            assert (await slack.service.store.get_battle(battle.id)).status is BattleStatus.VOID
            assert slack.ballots() == []
    finally:
        await server.stop()
