"""Slack sends reactions and thread replies only from channels the bot is in: a battle joins its
public channel first, refuses privately where it cannot be (a private channel it was not invited
to, or no `channels:join` scope), and missing scopes are named at start-up and by `/arena doctor`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

import arenabot.adapters.slack as slack_adapter
from arenabot.adapters.slack.scopes import REQUIRED_SCOPES, missing_scopes
from arenabot.domain import BattleStatus
from tests.slack.fake_slack import MANIFEST_SCOPES, FakeSlack
from tests.slack.harness import CHANNEL, SlackHarness, arena_settings, slack_harness


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_url: str) -> AsyncIterator[SlackHarness]:
    async with slack_harness(fake_slack, arena_settings(sqlite_url)) as harness:
        yield harness


async def _response(slack: SlackHarness, count: int = 1) -> dict:
    """The count-th response, with its whole text (the blocks; `text` is only the preview)."""
    await slack.fake.wait_for(lambda: len(slack.fake.responses) >= count, what=f"response #{count}")
    response = slack.fake.responses[count - 1]
    blocks = [b["text"]["text"] for b in response.get("blocks") or [] if b.get("type") == "section"]
    return {**response, "text": "\n".join(blocks) or response.get("text", "")}


async def test_a_battle_joins_its_public_channel_before_posting(slack: SlackHarness) -> None:
    await slack.start_battle()
    methods = [c.method for c in slack.fake.calls]
    joined = methods.index("conversations.join")
    assert slack.fake.calls[joined].args["channel"] == CHANNEL
    assert joined < methods.index("chat.postMessage")
    assert CHANNEL in slack.fake.member_of
    await slack.start_battle("a second one")  # joined once per process, not per battle
    assert [c.method for c in slack.fake.calls].count("conversations.join") == 1


async def test_a_private_channel_without_an_invitation_is_refused_privately(slack: SlackHarness, caplog) -> None:
    slack.fake.private_channels.add(CHANNEL)
    caplog.set_level(logging.INFO)
    assert await slack.command("battle write a limerick") == 200
    refusal = await _response(slack)
    assert refusal["response_type"] == "ephemeral"
    assert "/invite @arenabot" in refusal["text"] and "internal error" not in refusal["text"]
    await slack.settled()
    battle = await slack.service.store.get_battle(1)
    assert battle is not None and battle.status is BattleStatus.VOID
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("arenabot"))


async def test_a_private_channel_the_bot_was_invited_to_works(slack: SlackHarness) -> None:
    slack.fake.private_channels.add(CHANNEL)
    slack.fake.member_of.add(CHANNEL)
    await slack.start_battle()
    battle = await slack.service.store.get_battle(1)
    assert battle is not None and battle.status is BattleStatus.OPEN


async def test_without_the_join_scope_the_refusal_names_it(slack: SlackHarness) -> None:
    slack.fake.fail("conversations.join", "missing_scope")
    assert await slack.command("battle write a limerick") == 200
    refusal = await _response(slack)
    assert refusal["response_type"] == "ephemeral"
    assert "channels:join" in refusal["text"] and "/invite @arenabot" in refusal["text"]
    assert not [c for c in slack.fake.calls if c.method == "chat.postMessage"]


def test_the_manifest_grants_exactly_the_scopes_checked_at_start_up() -> None:
    assert sorted(MANIFEST_SCOPES) == sorted(REQUIRED_SCOPES)
    assert "channels:join" in MANIFEST_SCOPES


async def test_missing_scopes_are_named_once_at_start_up(fake_slack: FakeSlack, slack_client, caplog) -> None:
    assert await missing_scopes(slack_client) == []
    fake_slack.scopes = [s for s in fake_slack.scopes if s not in ("channels:join", "reactions:write")]
    assert await missing_scopes(slack_client) == ["channels:join", "reactions:write"]
    caplog.set_level(logging.WARNING)
    await slack_adapter._check_scopes(slack_client)
    lines = [r.getMessage() for r in caplog.records if "scope" in r.getMessage()]
    assert len(lines) == 1 and "channels:join, reactions:write" in lines[0] and "reinstall" in lines[0]


async def test_doctor_names_missing_scopes_and_checks_the_database_and_models(slack: SlackHarness) -> None:
    slack.fake.add_user("U0BOSS", is_admin=True)
    slack.fake.scopes = [s for s in slack.fake.scopes if s != "reactions:write"]
    assert await slack.command("doctor", user="U0BOSS") == 200
    report = (await _response(slack))["text"]
    assert "reactions:write" in report and "reinstall" in report
    assert "database: answers" in report
    for name in ("demo-lark", "demo-owl", "demo-otter", "demo-fox"):
        assert f"model {name}: answers" in report
    assert "ballot: reactions, but the bot cannot add reactions" in report

    assert await slack.command("doctor", user="U0BOB") == 200  # members are refused
    assert "moderator" in (await _response(slack, 2))["text"].lower()
