"""Button ballots on Slack: the real Bolt app receives Block Kit `block_actions` payloads from the
fake Slack, over HTTP (signed) and over Socket Mode, and votes through the real core."""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from arenabot.adapters import slack as slack_adapter
from arenabot.app import build_core
from arenabot.ops.readiness import Readiness
from arenabot.storage.schema import Vote
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, SlackHarness, arena_settings, slack_harness
from tests.slack.payloads import command_body


def button_ballot(fake: FakeSlack) -> str | None:
    """The ts of the (latest) message that carries ballot buttons."""
    found = [ts for (c, ts), m in sorted(fake.messages.items()) if c == CHANNEL and any(b.get("type") == "actions" for b in m.blocks)]
    return found[-1] if found else None


def action_ids(fake: FakeSlack, ts: str) -> list[str]:
    return [e["action_id"] for b in fake.messages[(CHANNEL, ts)].blocks if b.get("type") == "actions" for e in b["elements"]]


async def confirmation(slack: SlackHarness, payload: dict[str, Any]) -> str:
    """The ephemeral answer to one click, sent to that click's response_url."""
    name = payload["response_url"].rsplit("/", 1)[1]
    [answer] = await slack.fake.wait_for(lambda: slack.fake.responses_to.get(name), what="the answer to the click")
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    return str(answer["text"])


async def click(slack: SlackHarness, user: str, ts: str, action_id: str) -> dict[str, Any]:
    payload = slack.fake.block_actions(user, CHANNEL, ts, action_id)
    assert await slack.action(payload) == 200  # acknowledged at once
    return payload


async def test_button_votes_count_once_change_withdraw_and_survive_a_restart(fake_slack: FakeSlack, sqlite_url: str) -> None:
    # No private reveal: a voter told the names could not change (tests/core/test_blindness.py).
    settings = arena_settings(sqlite_url, arena={"ballot": "buttons", "reveal_to_voter": False})
    async with slack_harness(fake_slack, settings) as slack:
        assert await slack.command("battle name three rivers") == 200
        ts = await fake_slack.wait_for(lambda: button_ballot(fake_slack), what="the button ballot")
        await slack.settled()
        assert action_ids(fake_slack, ts) == [f"arena:vote:1:{c}" for c in ("a", "b", "tie", "both_bad", "withdraw")] + [
            "arena:again:1"  # the new-round button
        ]
        assert not [r for r in fake_slack.reactions if r[1] == ts], "a button ballot gets no reactions"

        first = await click(slack, "U0BOB", ts, "arena:vote:1:a")
        assert "recorded" in await confirmation(slack, first)
        assert await slack.votes() == {"U0BOB": "a"}
        reveals = len(fake_slack.ephemerals)
        assert reveals == 0  # reveal_to_voter is off: no names yet

        assert "changed" in await confirmation(slack, await click(slack, "U0BOB", ts, "arena:vote:1:b"))
        # The first click's payload delivered again: it must not turn the vote back to A.
        assert await slack.action(first) == 200
        await slack.settled()
        assert await slack.votes() == {"U0BOB": "b"}
        assert await slack.service.store.counted_votes(1) == 1
        assert len(fake_slack.ephemerals) == reveals

        assert "withdrawn" in await confirmation(slack, await click(slack, "U0BOB", ts, "arena:vote:1:withdraw"))
        assert await slack.votes() == {"U0BOB": None}
        assert await slack.service.store.counted_votes(1) == 0
        # A forged action id naming another battle is not ours to count (none exists here).
        stray = dict(first, response_url=fake_slack.response_url("stray"), actions=[dict(first["actions"][0], action_id="arena:vote:77:a", action_ts="1.1")])
        assert await slack.action(stray) == 200
        assert "no battle #77" in await confirmation(slack, stray)

    async with slack_harness(fake_slack, settings) as restarted:  # a new process over the same database
        assert "recorded" in await confirmation(restarted, await click(restarted, "U0BOB", ts, "arena:vote:1:tie"))
        assert await restarted.votes() == {"U0BOB": "tie"}
        assert await restarted.service.store.counted_votes(1) == 1


async def test_an_unsigned_click_is_rejected(fake_slack: FakeSlack, sqlite_url: str) -> None:
    async with slack_harness(fake_slack, arena_settings(sqlite_url, arena={"ballot": "buttons"})) as slack:
        assert await slack.command("battle name three rivers") == 200
        ts = await fake_slack.wait_for(lambda: button_ballot(fake_slack), what="the button ballot")
        await slack.settled()
        payload = fake_slack.block_actions("U0BOB", CHANNEL, ts, "arena:vote:1:a")
        assert await slack.action(payload, secret="not-the-secret") == 401
        assert await slack.votes() == {}


def _envelope(envelope_id: str, kind: str, payload: dict, retry_attempt: int = 0) -> dict:
    return {
        "envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": False,
        "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
    }


async def test_socket_mode_clicks_are_acked_and_a_redelivery_counts_once(
    sqlite_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    settings = arena_settings(
        sqlite_url, arena={"ballot": "buttons", "reveal_to_voter": False}, slack={"mode": "socket", "api_base": fake_slack.api_url}
    )
    async with build_core(settings) as service:
        service.readiness = readiness = Readiness()
        readiness.started("slack", self_reporting=slack_adapter.REPORTS_READINESS)
        runner = asyncio.create_task(slack_adapter.run(settings, service))
        try:
            await fake_slack.wait_for(lambda: readiness.adapters()["slack"], what="the readiness report")
            command = dict(parse_qsl(command_body("battle name three rivers", response_url=fake_slack.response_url("sm"))))
            fake_slack.push_envelope(_envelope("env-cmd", "slash_commands", command))
            ts = await fake_slack.wait_for(lambda: button_ballot(fake_slack), what="the button ballot")
            await fake_slack.wait_for(lambda: fake_slack.responses_to.get("sm"), what="the answer to the command")

            first = fake_slack.block_actions("U0BOB", CHANNEL, ts, "arena:vote:1:a")
            fake_slack.push_envelope(_envelope("env-a", "interactive", first))
            await fake_slack.wait_for(lambda: fake_slack.responses_to.get(first["response_url"].rsplit("/", 1)[1]), what="the first answer")
            second = fake_slack.block_actions("U0BOB", CHANNEL, ts, "arena:vote:1:b")
            fake_slack.push_envelope(_envelope("env-b", "interactive", second))
            await fake_slack.wait_for(lambda: fake_slack.responses_to.get(second["response_url"].rsplit("/", 1)[1]), what="the second answer")
            fake_slack.push_envelope(_envelope("env-a-again", "interactive", first, retry_attempt=1))
            await fake_slack.wait_for(
                lambda: {"env-cmd", "env-a", "env-b", "env-a-again"} <= {a["envelope_id"] for a in fake_slack.acks}, what="acks"
            )
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner  # run() lets the listeners still working finish before it returns
        # The redelivery (acked like any envelope) changed nothing and said nothing.
        assert await _votes(service) == {"U0BOB": "b"}
        assert await service.store.counted_votes(1) == 1
        assert len(fake_slack.responses_to[first["response_url"].rsplit("/", 1)[1]]) == 1


async def _votes(service: Any) -> dict[str, str | None]:
    def read(conn: Any) -> dict[str, str | None]:
        return {v: o for v, o in conn.execute(select(Vote.voter_ref, Vote.outcome))}

    return await service.store.run_read(read)
