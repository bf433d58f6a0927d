"""/arena subcommands, admin checks, mentions and follow-ups in the battle thread."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.slack.fake_slack import BOT_USER_ID, FakeSlack
from tests.slack.harness import CHANNEL, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import mention, reaction, thread_message


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_url: str) -> AsyncIterator[SlackHarness]:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as harness:
        yield harness


async def _response(slack: SlackHarness, count: int) -> dict:
    await slack.fake.wait_for(lambda: len(slack.fake.responses) >= count, what=f"response #{count}")
    return slack.fake.responses[count - 1]


async def _enabled(slack: SlackHarness, name: str) -> bool:
    return next(m.enabled for m in await slack.service.store.list_models() if m.name == name)


async def test_an_admin_command_is_refused_to_a_member(slack: SlackHarness) -> None:
    assert await slack.command("model disable demo-owl", user="U0BOB") == 200
    refusal = await _response(slack, 1)
    assert refusal["response_type"] == "ephemeral"
    assert "moderator" in refusal["text"].lower()
    assert await _enabled(slack, "demo-owl")


@pytest.mark.parametrize(
    ("user", "how"),
    [("U0BOSS", "workspace admin"), ("U0OWNER", "workspace owner"), ("U0LISTED", "admin_users"), ("U0INGROUP", "admin_usergroups")],
)
async def test_admins_are_workspace_admins_or_configured_users_and_groups(slack: SlackHarness, user: str, how: str) -> None:
    slack.fake.add_user("U0BOSS", is_admin=True)
    slack.fake.add_user("U0OWNER", is_owner=True)
    slack.fake.usergroups["S0MODS"] = ["U0INGROUP"]
    assert await slack.command("model disable demo-owl", user=user) == 200
    await _response(slack, 1)
    assert not await _enabled(slack, "demo-owl"), how


async def test_help_models_and_stats_answer_privately_or_in_channel(slack: SlackHarness) -> None:
    assert await slack.command("help") == 200
    help_reply = await _response(slack, 1)
    assert help_reply["response_type"] == "ephemeral" and "battle" in str(help_reply)
    assert await slack.command("models") == 200
    models = await _response(slack, 2)
    assert models["response_type"] == "in_channel"
    text = "\n".join(b["text"]["text"] for b in models["blocks"])
    assert "*Models in the arena*" in text and "• *demo-owl*" in text


async def test_the_leaderboard_is_block_kit_with_a_chart(slack: SlackHarness) -> None:
    for voter, name in (("U0BOB", "a"), ("U0CAROL", "a"), ("U0DAVE", "b")):
        battle = await slack.start_battle(f"explain tides to {voter}", user="U0ALICE")
        assert await slack.event(reaction(voter, name, CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: len(slack.fake.ephemerals) == 3, what="three private reveals")
    for battle_id in (1, 2, 3):  # boards show revealed battles
        assert await slack.service.store.close_battle(battle_id, slack.service.now())
    responses_before = len(slack.fake.responses)
    assert await slack.command("leaderboard") == 200
    board = await _response(slack, responses_before + 1)
    assert board["response_type"] == "in_channel"
    kinds = [b["type"] for b in board["blocks"]]
    assert kinds[0] == "header" and "section" in kinds and kinds[-1] == "context"
    table = next(b["text"]["text"] for b in board["blocks"] if b["type"] == "section")
    assert table.startswith("```") and "Rating" in table and "95% CI" in table and "Battles" in table
    assert "3 counted votes" in board["blocks"][-1]["elements"][0]["text"]
    # The chart goes up as a PNG through the external upload flow.
    await slack.fake.wait_for(lambda: slack.fake.calls_to("files.completeUploadExternal"), what="the chart upload")
    [png] = slack.fake.uploads.values()
    assert png.startswith(b"\x89PNG")
    assert slack.fake.calls_to("files.completeUploadExternal")[0].args["channel_id"] == CHANNEL


async def test_a_mention_starts_a_battle_and_the_creator_continues_it_in_the_thread(slack: SlackHarness) -> None:
    assert await slack.event(mention("U0ALICE", f"<@{BOT_USER_ID}> write a limerick about cats")) == 200
    [(channel, ballot_ts)] = await slack.wait_for_ballots(1)
    header_ts = slack.fake.messages[(channel, ballot_ts)].thread_ts
    assert header_ts and "limerick about cats" in slack.fake.messages[(CHANNEL, header_ts)].body

    # Someone else's reply in the thread is ignored; the creator's continues both sides.
    assert await slack.event(thread_message("U0BOB", "and dogs?", CHANNEL, header_ts)) == 200
    assert await slack.event(thread_message("U0ALICE", "now make it about dogs", CHANNEL, header_ts)) == 200
    await slack.wait_for_ballots(2)
    turns = await slack.service.store.turns(1)
    assert sorted({t.prompt for t in turns}) == ["now make it about dogs", "write a limerick about cats"]
    labels = [m.body.split("\n")[0] for m in slack.fake.thread(CHANNEL, header_ts)]
    assert labels.count("*Model A*") == 2 and labels.count("*Model B*") == 2

    # Once voting has started, a follow-up is refused privately.
    assert await slack.event(reaction("U0CAROL", "a", CHANNEL, slack.ballots()[-1][1])) == 200
    await slack.fake.wait_for(lambda: slack.vote_is("U0CAROL", "a"), what="the vote")
    assert await slack.event(thread_message("U0ALICE", "one more?", CHANNEL, header_ts)) == 200
    refusal = await slack.fake.wait_for(lambda: [e for e in slack.fake.ephemerals if e["user"] == "U0ALICE"], what="the refusal")
    assert "Voting" in refusal[0]["text"] and refusal[0]["thread_ts"] == header_ts


async def test_a_refused_battle_posts_nothing_in_the_channel(slack: SlackHarness) -> None:
    assert await slack.command("battle   ") == 200
    refusal = await _response(slack, 1)
    assert refusal["response_type"] == "ephemeral" and "prompt" in refusal["text"]
    assert await slack.event(mention("U0OTHER", f"<@{BOT_USER_ID}>")) == 200  # bare mention: help, privately
    await slack.fake.wait_for(lambda: slack.fake.ephemerals, what="the help text")
    assert not slack.fake.calls_to("chat.postMessage")


async def test_a_429_during_a_battle_is_waited_out(slack: SlackHarness) -> None:
    slack.fake.rate_limit("reactions.add", times=1, retry_after=1)
    battle = await slack.start_battle()
    calls = [c for c in slack.fake.calls if c.method == "reactions.add"]
    assert [c.status for c in calls] == [429, 200, 200, 200, 200]
    assert calls[1].at - calls[0].at >= 1.0  # the retry came only after Retry-After's 1 s
    assert [n for _, t, n in slack.fake.reactions if t == battle.ballot_ts] == ["a", "b", "handshake", "-1"]


async def test_an_export_goes_to_the_moderator_by_direct_message(slack: SlackHarness) -> None:
    await slack.start_battle()
    before = len(slack.fake.responses)
    assert await slack.command("export", user="U0LISTED") == 200
    await slack.fake.wait_for(lambda: slack.fake.calls_to("files.completeUploadExternal"), what="the export upload")
    assert slack.fake.calls_to("conversations.open")[0].args["users"] == "U0LISTED"
    complete = slack.fake.calls_to("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "DU0LISTED"
    [data] = slack.fake.uploads.values()
    records = json.loads(data)
    assert isinstance(records, list)
    # The answer's text went privately to the moderator as well.
    answer = await _response(slack, before + 1)
    assert answer["response_type"] == "ephemeral"


async def test_without_a_channel_invite_the_leaderboard_comes_without_chart_and_says_why(slack: SlackHarness) -> None:
    battle = await slack.start_battle()
    assert await slack.event(reaction("U0BOB", "a", CHANNEL, battle.ballot_ts)) == 200
    await slack.fake.wait_for(lambda: slack.fake.ephemerals, what="the private reveal")
    assert await slack.service.store.close_battle(1, slack.service.now())  # boards show revealed battles
    slack.fake.fail("files.completeUploadExternal", "not_in_channel")
    before = len(slack.fake.responses)
    assert await slack.command("leaderboard", user="U0CAROL") == 200
    board = await _response(slack, before + 1)
    assert board["blocks"][0]["type"] == "header"
    notice = await slack.fake.wait_for(lambda: [e for e in slack.fake.ephemerals if e["user"] == "U0CAROL"], what="the notice")
    assert "not_in_channel" in notice[0]["text"] and "Invite me" in notice[0]["text"]
