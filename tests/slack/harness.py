"""The real Bolt app in HTTP mode on 127.0.0.1, wired to a real core (demo models, SQLite or
PostgreSQL) and to the fake Slack; helpers send signed requests into it like Slack does."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from arenabot.adapters.slack.app import SlackArena, build_app, make_client
from arenabot.adapters.slack.http import events_app
from arenabot.adapters.slack.ratelimits import SlackLimits
from arenabot.app import build_core
from arenabot.arena import ArenaService
from arenabot.config import Settings, settings_from_dict
from arenabot.domain import Scope
from arenabot.storage.schema import Vote
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.payloads import CHANNEL, SIGNING_SECRET, command_body, event_body, interactive_body, signed_headers

SCOPE = Scope("slack", TEAM_ID)
DEMO_DELAY_S = 0.005  # per word: replies take ~0.2 s, long enough for streamed edits


def arena_settings(db_url: str, **overrides: Any) -> Settings:
    demo = [("demo-lark", "lark"), ("demo-owl", "owl"), ("demo-otter", "otter"), ("demo-fox", "fox")]
    data: dict[str, Any] = {
        "database": {"url": db_url},
        "models": [{"name": n, "provider": "demo", "model_id": m, "params": {"delay_s": DEMO_DELAY_S}} for n, m in demo],
        "slack": {"admin_users": ["U0LISTED"], "admin_usergroups": ["S0MODS"]},
        "arena": overrides.pop("arena", {}),
    }
    data.update(overrides)
    return settings_from_dict(data)


@dataclass
class Battle:
    header_ts: str
    ballot_ts: str


@dataclass
class SlackHarness:
    fake: FakeSlack
    service: ArenaService
    arena: SlackArena
    server: TestServer
    session: aiohttp.ClientSession

    @property
    def events_url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    async def post(self, body: str, headers: dict[str, str]) -> int:
        async with self.session.post(self.events_url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    async def command(self, text: str, user: str = "U0ALICE", channel: str = CHANNEL, **sign: Any) -> int:
        body = command_body(text, user=user, response_url=self.fake.response_url(user), channel=channel)
        return await self.post(body, signed_headers(body, content_type="application/x-www-form-urlencoded", **sign))

    async def event(self, event: dict[str, Any], event_id: str | None = None, retry_num: int | None = None, **sign: Any) -> int:
        body = json.dumps(event_body(event, event_id))
        headers = signed_headers(body, **sign)
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        return await self.post(body, headers)

    async def action(self, payload: dict[str, Any], **sign: Any) -> int:
        """Post a block_actions payload (a button click), signed like Slack signs it."""
        body = interactive_body(payload)
        return await self.post(body, signed_headers(body, content_type="application/x-www-form-urlencoded", **sign))

    def ballots(self) -> list[tuple[str, str]]:
        """(channel, ts) of messages that carry all four vote reactions, oldest first."""
        keys = {(c, t) for c, t, _ in self.fake.reactions}
        return sorted(k for k in keys if sum(1 for c, t, _ in self.fake.reactions if (c, t) == k) == 4)

    async def settled(self) -> None:
        """Wait until the adapter has finished all work started so far (battles, votes, reactions)."""
        await asyncio.wait_for(self.arena.listeners.wait_idle(), 30)

    async def wait_for_ballots(self, count: int) -> list[tuple[str, str]]:
        """Wait for `count` ballots with their reactions, and for their battles to be stored as
        ready (the core records a ballot just after posting it)."""
        await self.fake.wait_for(lambda: len(self.ballots()) >= count, what=f"{count} ballot(s)")
        await self.settled()
        return self.ballots()

    async def start_battle(self, prompt: str = "write a haiku about rain", user: str = "U0ALICE") -> Battle:
        before = len(self.ballots())
        assert await self.command(f"battle {prompt}", user=user) == 200
        channel, ballot_ts = (await self.wait_for_ballots(before + 1))[-1]
        return Battle(header_ts=self.fake.messages[(channel, ballot_ts)].thread_ts or "", ballot_ts=ballot_ts)

    async def vote_is(self, voter: str, outcome: str | None, battle_id: int = 1) -> bool:
        votes = await self.votes(battle_id)
        return voter in votes and votes[voter] == outcome

    async def votes(self, battle_id: int = 1) -> dict[str, str | None]:
        def read(conn: Any) -> dict[str, str | None]:
            rows = conn.execute(select(Vote.voter_ref, Vote.outcome).where(Vote.battle_id == battle_id))
            return {voter: outcome for voter, outcome in rows}

        return await self.service.store.run_read(read)


@asynccontextmanager
async def slack_harness(
    fake: FakeSlack, settings: Settings, edit_interval: float = 0.05, *, limits: SlackLimits | None = None, hub: Any = None
) -> AsyncIterator[SlackHarness]:
    async with build_core(settings, hub=hub) as service, aiohttp.ClientSession() as api_session:
        client = make_client("xoxb-test-token", fake.api_url, api_session, limits=limits)
        arena = build_app(settings, service, client, signing_secret=SIGNING_SECRET, edit_interval=edit_interval)
        server = TestServer(events_app(arena.app, "/slack/events"), host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as session:
                yield SlackHarness(fake, service, arena, server, session)
        finally:
            await server.close()
            # Let listeners still working (a duplicate event, a last reply) finish before the core closes.
            await asyncio.wait_for(arena.listeners.wait_idle(), 30)


__all__ = ["CHANNEL", "SCOPE", "Battle", "SlackHarness", "arena_settings", "slack_harness"]
