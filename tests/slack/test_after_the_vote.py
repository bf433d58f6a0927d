"""After the vote on Slack (the real Bolt app against the fake Slack): the :repeat: reaction and
the New round button start a new blind battle on the same prompt, once per delivered event."""
from __future__ import annotations

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, arena_settings, slack_harness
from tests.slack.payloads import reaction
from tests.slack.test_buttons import button_ballot, click, confirmation


async def test_repeat_reaction_starts_one_new_round_after_the_vote(fake_slack: FakeSlack, sqlite_url: str) -> None:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as slack:
        battle = await slack.start_battle("name three rivers")
        assert await slack.event(reaction("U0BOB", "repeat", CHANNEL, battle.ballot_ts), event_id="Ev0EARLY") == 200
        await fake_slack.wait_for(
            lambda: any("Vote on battle #1" in str(e.get("text")) for e in fake_slack.ephemerals), what="the refusal"
        )
        assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
        await fake_slack.wait_for(lambda: slack.vote_is("U0BOB", "a"), what="the vote")
        again = reaction("U0BOB", "repeat", CHANNEL, battle.ballot_ts)
        assert await slack.event(again, event_id="Ev0AGAIN") == 200
        assert await slack.event(again, event_id="Ev0AGAIN", retry_num=1) == 200  # redelivered: one round only
        await slack.wait_for_ballots(2)
        await slack.settled()
        assert len(await slack.wait_for_ballots(2)) == 2
        new = await slack.service.store.get_battle(2)
        assert new is not None and new.prompt == "name three rivers" and new.creator_ref == "U0BOB"
        assert await slack.service.store.get_battle(3) is None
        assert await slack.vote_is("U0BOB", "a")  # the old vote is untouched


async def test_new_round_button_after_a_button_vote(fake_slack: FakeSlack, sqlite_url: str) -> None:
    settings = arena_settings(sqlite_url, arena={"ballot": "buttons", "reveal_to_voter": False})
    async with slack_harness(fake_slack, settings) as slack:
        assert await slack.command("battle name three rivers") == 200
        ts = await fake_slack.wait_for(lambda: button_ballot(fake_slack), what="the button ballot")
        await slack.settled()
        assert "Vote on battle #1" in await confirmation(slack, await click(slack, "U0BOB", ts, "arena:again:1"))
        assert "recorded" in await confirmation(slack, await click(slack, "U0BOB", ts, "arena:vote:1:b"))
        answer = await confirmation(slack, await click(slack, "U0BOB", ts, "arena:again:1"))
        assert "Battle #2 is ready for votes" in answer
        assert (await slack.service.store.get_battle(2)).prompt == "name three rivers"
