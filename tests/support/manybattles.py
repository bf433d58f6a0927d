"""Many battles at once on the Discord and Slack fakes, with the fakes enforcing the platforms'
rate limits: what the rate-limit tests check and `bench/ratelimit_bench.py` prints.

Each battle is started the way a member starts one (a slash command), both demo models stream
their replies, and the run ends when every ballot is up. Then each reply message is compared with
the full reply its provider produced (recorded at the provider hub, not read back from storage):
a missing message is a lost reply, any other difference a half-shown one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from arenabot.adapters.discord.ratelimits import DiscordLimits
from arenabot.adapters.discord.text import MESSAGE_LIMIT, split_message
from arenabot.adapters.slack.layout import message_payloads
from arenabot.adapters.slack.ratelimits import SlackLimits
from arenabot.adapters.slack.refs import message_ref
from arenabot.config import ModelSettings, Settings
from arenabot.domain import Message
from arenabot.providers import Completion, OnDelta, ProviderHub
from tests.discord.fake_discord import FakeDiscord
from tests.discord.fake_discord import RateLimits as DiscordFakeLimits
from tests.discord.harness import arena_settings as discord_settings
from tests.discord.harness import running_bot
from tests.slack.fake_slack import FakeSlack
from tests.slack.fake_slack import RateLimits as SlackFakeLimits
from tests.slack.harness import arena_settings as slack_settings
from tests.slack.harness import slack_harness

SIDES = ("A", "B")


class RecordingHub(ProviderHub):
    """The real hub, remembering each model's full reply to each prompt (prompts are unique per battle)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.replies: dict[tuple[str, str], str] = {}

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None) -> Completion:
        completion = await super().complete(model, messages, on_delta)
        self.replies[(model.name, messages[-1].content)] = completion.text
        return completion


@dataclass
class RunReport:
    platform: str
    battles: int
    wall_s: float
    usage: list[tuple[str, int, int, int, float]]  # (what, calls, busiest window, limit, period)
    violations: list[str]  # what each 429 was for
    lost: int = 0
    half_shown: int = 0
    problems: list[str] = field(default_factory=list)  # the first few, for a failing test's message

    def lines(self) -> list[str]:
        out = [f"{self.platform}: {self.battles} concurrent battles in {self.wall_s:.1f} s"]
        for what, calls, peak, limit, period in self.usage:
            out.append(f"  {what:32s} {calls:6d} calls, busiest {period:g} s window {peak:4d} (limit {limit})")
        out.append(
            f"  violations (429s): {len(self.violations)}" + (f" {sorted(set(self.violations))}" if self.violations else "")
        )
        out.append(f"  replies lost: {self.lost}, half-shown: {self.half_shown} (of {2 * self.battles})")
        return out


def _prompt(i: int) -> str:
    return f"Battle {i}: explain how tides, moons and oceans work together"


async def _wait(condition: Any, wait_s: float) -> bool:
    """Wait for `condition`; False after `wait_s` seconds (the report then counts what is missing)."""
    deadline = time.monotonic() + wait_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


# ----- Discord -----------------------------------------------------------------------------------------
async def discord_run(
    battles: int,
    fake_limits: DiscordFakeLimits,
    client_limits: DiscordLimits,
    db_url: str,
    *,
    delay_s: float = 0.01,
    edit_interval: float = 1.0,
    wait_s: float = 600.0,
) -> RunReport:
    fake = FakeDiscord(limits=fake_limits)
    await fake.start()
    settings = discord_settings(db_url, fake, delay_s=delay_s)
    hub = RecordingHub(settings)
    try:
        async with running_bot(settings, fake, hub=hub, edit_interval=edit_interval, rate_limits=client_limits) as bot:
            members = [fake.add_user(name=f"member{i}") for i in range(battles)]
            started = time.perf_counter()
            await asyncio.gather(*(fake.invoke(m, ["arena", "battle"], {"prompt": _prompt(i)}) for i, m in enumerate(members)))

            def ballots() -> list[dict[str, Any]]:
                return [m for m in list(fake.messages.values()) if len(m["reactions"]) == 4]

            await _wait(lambda: len(ballots()) >= battles, wait_s)
            wall = time.perf_counter() - started
            report = RunReport("discord", battles, wall, fake.usage(), [what for what, _ in fake.violations])
            _missing(report, battles - len(ballots()))
            for ballot in ballots():
                thread = ballot["channel_id"]
                battle = await bot.service.store.battle_by_thread("discord", thread)
                assert battle is not None
                messages = [m["content"] for m in fake.messages.values() if m["channel_id"] == thread]
                for side, model in zip(SIDES, (battle.model_a, battle.model_b), strict=True):
                    full = hub.replies.get((model, battle.prompt), "")
                    chunks = split_message(f"**Model {side}**\n{full}", MESSAGE_LIMIT)
                    shown = [c for c in messages if c.startswith(f"**Model {side}**")]
                    _judge(
                        report, f"battle {battle.id} side {side}", shown[:1], chunks[:1], all(c in messages for c in chunks[1:])
                    )
    finally:
        await hub.close()
        await fake.stop()
    return report


# ----- Slack -------------------------------------------------------------------------------------------
def _body(payload: dict[str, Any]) -> str:
    sections = [b["text"]["text"] for b in payload.get("blocks") or [] if b.get("type") == "section"]
    return "\n".join(sections) if sections else payload.get("text", "")


async def slack_run(
    battles: int,
    fake_limits: SlackFakeLimits,
    client_limits: SlackLimits,
    db_url: str,
    *,
    channels: int = 10,
    delay_s: float = 0.01,
    edit_interval: float = 1.0,
    wait_s: float = 600.0,
) -> RunReport:
    fake = await FakeSlack(limits=fake_limits).start()
    settings = slack_settings(db_url, arena={"rate_limit_battles": 100})
    for model in settings.models:
        model.params["delay_s"] = delay_s
    hub = RecordingHub(settings)
    try:
        async with slack_harness(fake, settings, edit_interval, limits=client_limits, hub=hub) as slack:
            started = time.perf_counter()
            statuses = await asyncio.gather(
                *(slack.command(f"battle {_prompt(i)}", user=f"U{i:08d}", channel=f"C{i % channels:07d}") for i in range(battles))
            )
            assert set(statuses) == {200}, statuses
            await _wait(lambda: len(slack.ballots()) >= battles, wait_s)
            wall = time.perf_counter() - started
            report = RunReport("slack", battles, wall, fake.usage(), [c.method for c in fake.violations])
            _missing(report, battles - len(slack.ballots()))
            for channel, ballot_ts in slack.ballots():
                header_ts = fake.messages[(channel, ballot_ts)].thread_ts or ""
                battle = await slack.service.store.battle_by_thread("slack", message_ref(channel, header_ts))
                assert battle is not None
                thread = [m.body for m in fake.thread(channel, header_ts)]
                for side, model in zip(SIDES, (battle.model_a, battle.model_b), strict=True):
                    full = hub.replies.get((model, battle.prompt), "")
                    expected = [_body(p) for p in message_payloads(full, f"Model {side}")]
                    shown = [b for b in thread if b.startswith(f"*Model {side}*")]
                    _judge(
                        report, f"battle {battle.id} side {side}", shown[:1], expected[:1], all(b in thread for b in expected[1:])
                    )
    finally:
        await hub.close()
        await fake.close()
    return report


def _missing(report: RunReport, battles: int) -> None:
    # A battle that never got its ballot up (e.g. given up after repeated 429s): not judged here,
    # counted as both replies lost.
    if battles > 0:
        report.lost += 2 * battles
        report.problems.append(f"{battles} battles never posted their ballot")


def _judge(report: RunReport, what: str, shown: list[str], expected: list[str], rest_shown: bool) -> None:
    if not shown:
        report.lost += 1
        report.problems.append(f"{what}: no message")
    elif shown != expected or not rest_shown:
        report.half_shown += 1
        report.problems.append(f"{what}: shows {shown[0][-60:]!r}, expected {expected[0][-60:]!r}")
