"""The production entry point `arenabot.adapters.slack.run`: Socket Mode (the fake Web API hands out a
websocket URL, the fake server replays envelopes, the adapter acks and acts on them) and HTTP mode."""
from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import parse_qsl

import aiohttp
import pytest

from arenabot.adapters import slack as slack_adapter
from arenabot.app import build_core
from arenabot.config import ConfigError
from arenabot.ops.readiness import Readiness
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, arena_settings
from tests.slack.payloads import SIGNING_SECRET, command_body, event_body, reaction, signed_headers


def _envelope(envelope_id: str, kind: str, payload: dict, retry_attempt: int = 0) -> dict:
    return {
        "envelope_id": envelope_id, "type": kind, "payload": payload,
        "accepts_response_payload": kind == "slash_commands", "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
    }


async def test_socket_mode_acks_envelopes_runs_a_battle_and_counts_a_redelivery_once(
    sqlite_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    settings = arena_settings(sqlite_url, slack={"mode": "socket", "api_base": fake_slack.api_url})
    async with build_core(settings) as service:
        service.readiness = readiness = Readiness()  # what `arenabot run`'s supervisor provides
        readiness.started("slack", self_reporting=slack_adapter.REPORTS_READINESS)
        runner = asyncio.create_task(slack_adapter.run(settings, service))
        try:
            await fake_slack.wait_for(lambda: readiness.adapters()["slack"], what="the readiness report")
            command = dict(parse_qsl(command_body("battle name three rivers", response_url=fake_slack.response_url("sm"))))
            fake_slack.push_envelope(_envelope("env-cmd", "slash_commands", command))
            ballot_ts = await fake_slack.wait_for(
                lambda: next((t for _, t, n in fake_slack.reactions if n == "-1"), None), what="the ballot"
            )
            # The command's private answer comes once the battle is stored as ready for votes.
            await fake_slack.wait_for(lambda: fake_slack.responses, what="the answer to the command")
            header_ts = fake_slack.messages[(CHANNEL, ballot_ts)].thread_ts
            assert header_ts and "three rivers" in fake_slack.messages[(CHANNEL, header_ts)].body
            assert len(fake_slack.thread(CHANNEL, header_ts)) == 3  # Model A, Model B, ballot

            vote = event_body(reaction("U0BOB", "b", CHANNEL, ballot_ts), event_id="Ev0SOCKET")
            fake_slack.push_envelope(_envelope("env-vote", "events_api", vote))
            fake_slack.push_envelope(_envelope("env-vote-retry", "events_api", vote, retry_attempt=1))
            await fake_slack.wait_for(lambda: {"env-cmd", "env-vote", "env-vote-retry"} <= {a["envelope_id"] for a in fake_slack.acks}, what="acks")
            await fake_slack.wait_for(lambda: fake_slack.ephemerals, what="the private reveal")
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner  # stopping waits until every event being handled has finished
        # So anything the redelivery (acked above) set off is done by now, and it did nothing.
        assert len(fake_slack.ephemerals) == 1
        assert await service.store.counted_votes(1) == 1
        assert fake_slack.calls_to("apps.connections.open")
        assert readiness.adapters() == {"slack": False}


async def test_missing_tokens_are_a_clear_configuration_error(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is not set"):
        await slack_adapter.run(arena_settings(sqlite_url), service=None)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is not set"):
        await slack_adapter.run(arena_settings(sqlite_url, slack={"mode": "http"}), service=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_http_mode_serves_signed_events_and_a_health_check(
    sqlite_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    port = _free_port()
    settings = arena_settings(sqlite_url, slack={"mode": "http", "http_port": port, "api_base": fake_slack.api_url})
    base = f"http://127.0.0.1:{port}"
    async with build_core(settings) as service, aiohttp.ClientSession() as session:
        runner = asyncio.create_task(slack_adapter.run(settings, service))

        async def healthy() -> bool:
            try:
                async with session.get(f"{base}/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientConnectionError:
                return False

        try:
            await fake_slack.wait_for(healthy, what="the HTTP server")
            body = command_body("help", response_url=fake_slack.response_url("http"))
            unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
            async with session.post(f"{base}/slack/events", data=body, headers=unsigned) as response:
                assert response.status == 401
            signed = signed_headers(body, content_type="application/x-www-form-urlencoded")
            async with session.post(f"{base}/slack/events", data=body, headers=signed) as response:
                assert response.status == 200
            [answer] = await fake_slack.wait_for(lambda: fake_slack.responses, what="the help text")
            assert answer["response_type"] == "ephemeral" and "battle" in str(answer)
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
