"""Reaction votes: redelivered events, the bot's own and other bots' reactions, several HTTP-mode
processes over one database, and the reveal at close."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.slack.fake_slack import BOT_USER_ID, FakeSlack
from tests.slack.harness import CHANNEL, SCOPE, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import reaction


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_url: str) -> AsyncIterator[SlackHarness]:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as harness:
        yield harness


async def test_a_redelivered_event_counts_once(slack: SlackHarness) -> None:
    battle = await slack.start_battle()
    vote = reaction("U0BOB", "b", CHANNEL, battle.ballot_ts)
    assert await slack.event(vote, event_id="Ev0VOTE1") == 200
    assert await slack.event(vote, event_id="Ev0VOTE1", retry_num=1) == 200
    assert await slack.event(vote, event_id="Ev0VOTE1", retry_num=2) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", "b"), what="the vote")
    # A later, distinct event still has its effect.
    assert await slack.event(reaction("U0CAROL", "a", CHANNEL, battle.ballot_ts), event_id="Ev0VOTE2") == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0CAROL", "a"), what="Carol's vote")
    await slack.arena.listeners.wait_idle()
    assert len(slack.fake.ephemerals) == 2  # one private reveal per voter, not per delivery
    assert (await slack.service.store.counted_votes(1)) == 2


async def test_the_bots_own_reactions_and_other_bots_never_vote(slack: SlackHarness) -> None:
    slack.fake.add_user("U0OTHERBOT", is_bot=True)
    battle = await slack.start_battle()
    # Slack echoes the bot's own four reactions back as events.
    for name in ("a", "b", "handshake", "-1"):
        assert await slack.event(reaction(BOT_USER_ID, name, CHANNEL, battle.ballot_ts)) == 200
    assert await slack.event(reaction("U0OTHERBOT", "a", CHANNEL, battle.ballot_ts)) == 200
    assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", "a"), what="Bob's vote")
    await slack.arena.listeners.wait_idle()  # every reaction above has been handled, not just Bob's
    assert set(await slack.votes()) == {"U0BOB"}
    assert (await slack.service.store.counted_votes(1)) == 1


async def test_close_after_votes_reveals_the_names_in_the_header(fake_slack: FakeSlack, sqlite_url: str) -> None:
    async with slack_harness(fake_slack, arena_settings(sqlite_url, arena={"close_after_votes": 2})) as slack:
        battle = await slack.start_battle()
        record = await slack.service.store.get_battle(1)
        assert record is not None
        header = fake_slack.messages[(CHANNEL, battle.header_ts)]
        assert record.model_a not in header.body
        await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts))
        await slack.event(reaction("U0CAROL", "handshake", CHANNEL, battle.ballot_ts))
        await fake_slack.wait_for(lambda: header.edits, what="the header reveal")
        assert header.body.startswith("*Arena battle #1*") and "revealed" in header.body.split("\n")[0]
        assert record.model_a in header.body and record.model_b in header.body
        [reveal] = await fake_slack.wait_for(
            lambda: [m for m in fake_slack.thread(CHANNEL, battle.header_ts) if "Revealed" in m.body], what="the reveal in the thread"
        )
        assert record.model_a in reveal.body and "2 counted votes" in reveal.body


async def test_several_http_processes_over_one_database_count_a_retried_vote_once(db_url: str, fake_slack: FakeSlack) -> None:
    """Slack may deliver the retry of an event to another process behind the load balancer.
    (db_url comes first: the PostgreSQL fixture must be set up before any async fixture.)"""
    settings = arena_settings(db_url)
    async with slack_harness(fake_slack, settings) as first, slack_harness(fake_slack, settings) as second:
        battle = await first.start_battle()
        vote = reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)
        statuses = await asyncio.gather(
            first.event(vote, event_id="Ev0SHARED"),
            second.event(vote, event_id="Ev0SHARED", retry_num=1),
        )
        assert statuses == [200, 200]
        await fake_slack.wait_for(lambda: first.vote_is("U0BOB", "a"), what="the vote")
        await asyncio.gather(first.arena.listeners.wait_idle(), second.arena.listeners.wait_idle())
        assert len(fake_slack.ephemerals) == 1
        assert (await second.service.store.counted_votes(1)) == 1
        assert await first.service.store.close_battle(1, first.service.now())  # stats count revealed battles
        assert (await first.service.store.stats(SCOPE.key)).votes == 1


async def test_unvote_by_battle_number_withdraws_a_reaction_vote(fake_slack: FakeSlack, sqlite_url: str) -> None:
    """`/arena unvote #N`, generated from the command registry: Slack slash commands carry no thread."""
    async with slack_harness(fake_slack, arena_settings(sqlite_url, arena={"reveal_to_voter": False})) as slack:
        battle = await slack.start_battle()
        assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", "a"), what="the vote")
        before = len(slack.fake.responses)
        assert await slack.command("unvote #1", user="U0BOB") == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", None), what="the withdrawal")
        await slack.fake.wait_for(lambda: len(slack.fake.responses) > before, what="the answer")
        answer = slack.fake.responses[before]
        assert answer["response_type"] == "ephemeral" and "withdrawn" in str(answer)
        assert (await slack.service.store.counted_votes(1)) == 0
        assert await slack.command("unvote", user="U0BOB") == 200  # no thread on Slack: the number is needed
        await slack.fake.wait_for(lambda: len(slack.fake.responses) > before + 1, what="the refusal")
        assert "unvote #42" in str(slack.fake.responses[before + 1])


async def test_a_changed_or_withdrawn_reaction_vote_is_confirmed_privately(slack: SlackHarness) -> None:
    """Issue 13: a first vote shows itself (the reaction); a change and a withdrawal are confirmed
    to the voter alone, and removing a stale reaction says nothing."""
    slack.service.set_scope_defaults(SCOPE, reveal_to_voter=False)
    battle = await slack.start_battle()

    def told(user: str) -> list[str]:
        return [e["text"] for e in slack.fake.ephemerals if e["user"] == user]

    assert await slack.event(reaction("U0ERIN", "a", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0ERIN", "a"), what="Erin's vote")
    await slack.arena.listeners.wait_idle()
    assert told("U0ERIN") == []
    assert await slack.event(reaction("U0ERIN", "b", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: told("U0ERIN"), what="the change confirmed")
    assert len(told("U0ERIN")) == 1 and "changed to" in told("U0ERIN")[0]
    assert await slack.event(reaction("U0ERIN", "a", CHANNEL, battle.ballot_ts, added=False)) == 200  # the stale one
    await slack.arena.listeners.wait_idle()
    assert len(told("U0ERIN")) == 1 and await slack.vote_is("U0ERIN", "b")
    assert await slack.event(reaction("U0ERIN", "b", CHANNEL, battle.ballot_ts, added=False)) == 200
    await slack.fake.wait_for(lambda: len(told("U0ERIN")) == 2, what="the withdrawal confirmed")
    assert "withdrawn" in told("U0ERIN")[1] and await slack.vote_is("U0ERIN", None)
    assert all(e["user"] == "U0ERIN" for e in slack.fake.ephemerals)  # nobody else is told
