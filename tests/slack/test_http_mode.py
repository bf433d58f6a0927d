"""The Slack adapter end to end in HTTP mode: signed requests into the real Bolt app, a real core
(demo models, SQLite), and the fake Slack Web API recording what the bot does."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from arenabot.adapters.slack.mrkdwn import to_mrkdwn
from arenabot.domain import Message
from arenabot.providers.demo import demo_reply
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, SCOPE, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import reaction


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_url: str) -> AsyncIterator[SlackHarness]:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as harness:
        yield harness


async def test_bad_or_stale_signatures_get_401_and_change_nothing(slack: SlackHarness) -> None:
    assert await slack.command("battle write a poem", secret="not-the-secret") == 401
    assert await slack.command("battle write a poem", timestamp=int(time.time()) - 600) == 401
    assert await slack.event(reaction("U0BOB", "a", CHANNEL, "1.1"), secret="wrong") == 401
    assert not slack.fake.calls_to("chat.postMessage") and not slack.fake.responses
    stats = await slack.service.store.stats(SCOPE.key)
    assert (stats.battles, stats.votes) == (0, 0)


async def test_a_command_opens_a_thread_streams_both_replies_and_adds_the_vote_reactions(slack: SlackHarness) -> None:
    prompt = "write a haiku about rain"
    battle = await slack.start_battle(prompt)

    [header] = slack.fake.top_level(CHANNEL)
    assert header.ts == battle.header_ts
    assert header.body.startswith("*Arena battle #1*") and "haiku about rain" in header.body
    record = await slack.service.store.get_battle(1)
    assert record is not None and record.thread_ref == f"{CHANNEL}/{battle.header_ts}"

    reply_a, reply_b, ballot = slack.fake.thread(CHANNEL, battle.header_ts)
    models = {m.name: m.model_id for m in slack.service.settings.models}
    for reply, label, model in ((reply_a, "Model A", record.model_a), (reply_b, "Model B", record.model_b)):
        expected = to_mrkdwn(demo_reply(models[model], [Message("user", prompt)]))
        assert reply.body == f"*{label}*\n{expected}"
        assert len(reply.edits) >= 2, "the reply was streamed in several edits"
        lengths = [len(e) for e in reply.edits]
        assert lengths[0] < lengths[-1] and lengths == sorted(lengths), "each edit shows more of the reply"
    assert ballot.ts == battle.ballot_ts and "Which answer is better?" in ballot.body
    assert [n for c, t, n in slack.fake.reactions if t == ballot.ts] == ["a", "b", "handshake", "-1"]
    # The creator got a private word once the battle was ready; nothing named the models.
    [ready] = await slack.fake.wait_for(lambda: slack.fake.responses, what="the answer to the command")
    assert ready["response_type"] == "ephemeral" and "ready for votes" in ready["text"]
    for message in slack.fake.messages.values():
        assert record.model_a not in message.body and record.model_b not in message.body


async def test_votes_change_and_withdraw_with_reactions_and_the_voter_learns_the_names(slack: SlackHarness) -> None:
    battle = await slack.start_battle()
    record = await slack.service.store.get_battle(1)
    assert record is not None

    assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.fake.ephemerals, what="the private reveal")
    assert await slack.votes() == {"U0BOB": "a"}
    [reveal] = slack.fake.ephemerals
    assert reveal["user"] == "U0BOB" and reveal["thread_ts"] == battle.header_ts
    assert record.model_a in reveal["text"] and record.model_b in reveal["text"]

    # Bob has seen the names: a changed reaction is kept for the record but his vote is final.
    assert await slack.event(reaction("U0BOB", "-1::skin-tone-2", CHANNEL, battle.ballot_ts)) == 200
    [final] = await slack.fake.wait_for(lambda: [e for e in slack.fake.ephemerals if "final" in e["text"]], what="the notice")
    assert final["user"] == "U0BOB"
    assert await slack.votes() == {"U0BOB": "a"}

    # Without the private reveal a vote can change; removing the stale reaction leaves the new
    # vote, removing the current one withdraws it.
    slack.service.set_scope_defaults(SCOPE, reveal_to_voter=False)
    assert await slack.event(reaction("U0ERIN", "a", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0ERIN", "a"), what="Erin's vote")
    assert await slack.event(reaction("U0ERIN", "-1::skin-tone-2", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0ERIN", "both_bad"), what="the changed vote")
    assert await slack.event(reaction("U0ERIN", "a", CHANNEL, battle.ballot_ts, added=False)) == 200
    assert await slack.event(reaction("U0ERIN", "-1::skin-tone-2", CHANNEL, battle.ballot_ts, added=False)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0ERIN", None), what="the withdrawal")
    assert (await slack.service.store.get_battle(1)).counted_votes == 1  # Bob's

    # A reaction that is not a vote emoji, or on a message that is not a ballot, does nothing.
    assert await slack.event(reaction("U0CAROL", "heart", CHANNEL, battle.ballot_ts)) == 200
    assert await slack.event(reaction("U0CAROL", "a", CHANNEL, battle.header_ts)) == 200
    assert await slack.event(reaction("U0DAVE", "handshake", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0DAVE", "tie"), what="Dave's vote")
    assert set(await slack.votes()) == {"U0BOB", "U0DAVE", "U0ERIN"}


async def test_the_command_is_acknowledged_before_the_battle_is_generated(fake_slack: FakeSlack, sqlite_url: str) -> None:
    settings = arena_settings(sqlite_url)
    for model in settings.models:
        model.params["delay_s"] = 0.05  # each reply streams for about two seconds
    async with slack_harness(fake_slack, settings) as slack:
        assert await slack.command("battle write a haiku about rain") == 200
        # Slack has its answer while both models are still writing.
        assert not slack.ballots()
        assert not fake_slack.responses
        await slack.wait_for_ballots(1)
