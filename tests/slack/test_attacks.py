"""Issue 10's findings played by an attacker through the real Slack adapter and the fake Slack:
a member reads every board and list the bot offers while someone else's battle is open."""
from __future__ import annotations

from typing import Any

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, SCOPE, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import reaction, thread_message

MEMBER_VIEWS = ("leaderboard", "leaderboard global", "stats", "models")
MODERATOR = "U0LISTED"  # in [slack] admin_users


async def attacker_view(slack: SlackHarness, attacker: str) -> list[Any]:
    """The answers to every read-only command, as the member sees them (text and blocks)."""
    seen = []
    for command in MEMBER_VIEWS:
        before = len(slack.fake.responses)
        assert await slack.command(command, user=attacker) == 200
        await slack.fake.wait_for(lambda before=before: len(slack.fake.responses) > before, what=f"answer to {command}")
        answer = slack.fake.responses[before]
        seen.append((answer.get("text"), answer.get("blocks")))
    return seen


async def close(slack: SlackHarness, battle_id: int) -> None:
    before = len(slack.fake.responses)
    assert await slack.command(f"close #{battle_id}", user=MODERATOR) == 200
    await slack.fake.wait_for(lambda: len(slack.fake.responses) > before, what="closed")


async def test_an_open_battle_shows_an_attacker_nothing_until_its_reveal(fake_slack: FakeSlack, sqlite_url: str) -> None:
    """Finding 1 (and 5's `models`) on Slack: byte-identical answers while the battle is open; the
    reveal moves the board by exactly the battle's counted votes."""
    async with slack_harness(fake_slack, arena_settings(sqlite_url, arena={"reveal_to_voter": False})) as slack:
        first = await slack.start_battle("a revealed battle so the boards are not empty")
        assert await slack.event(reaction("U0BOB", "a", CHANNEL, first.ballot_ts)) == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", "a", 1), what="the first vote")
        await close(slack, 1)

        battle = await slack.start_battle("describe a lighthouse at night")
        before = await attacker_view(slack, "U0MALLORY")
        board_before = (await slack.service.leaderboard(SCOPE)).board
        for voter, name in (("U0BOB", "a"), ("U0CAROL", "b"), ("U0DAVE", "handshake")):
            assert await slack.event(reaction(voter, name, CHANNEL, battle.ballot_ts)) == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0DAVE", "tie", 2), what="the votes")
        await slack.arena.listeners.wait_idle()
        assert await slack.service.store.counted_votes(2) == 3
        assert await attacker_view(slack, "U0MALLORY") == before

        await close(slack, 2)
        assert (await slack.service.leaderboard(SCOPE)).board.votes - board_before.votes == 3
        assert await attacker_view(slack, "U0MALLORY") != before


async def test_a_member_naming_a_model_in_the_thread_stops_later_votes_counting(fake_slack: FakeSlack, sqlite_url: str) -> None:
    """Finding 3 on Slack: every human message in the battle thread is read."""
    async with slack_harness(fake_slack, arena_settings(sqlite_url, arena={"reveal_to_voter": False})) as slack:
        battle = await slack.start_battle()
        record = await slack.service.store.get_battle(1)
        assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0BOB", "a"), what="the early vote")
        assert await slack.event(thread_message("U0TALKER", f"A is {record.model_a}", CHANNEL, battle.header_ts)) == 200
        await slack.fake.wait_for(lambda: _leak_notes(slack, battle.header_ts), what="the thread told")
        assert await slack.event(reaction("U0CAROL", "b", CHANNEL, battle.ballot_ts)) == 200
        await slack.fake.wait_for(lambda: slack.vote_is("U0CAROL", "b"), what="the late vote")
        await slack.arena.listeners.wait_idle()
        assert await slack.service.store.counted_votes(1) == 1  # the early vote only
        assert len(_leak_notes(slack, battle.header_ts)) == 1


def _leak_notes(slack: SlackHarness, header_ts: str) -> list[Any]:
    return [m for m in slack.fake.thread(CHANNEL, header_ts) if "named one of these models" in m.body]

