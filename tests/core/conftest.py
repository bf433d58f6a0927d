"""Core fixtures: a service on a real store (SQLite or PostgreSQL), a fake platform, a clock
the test moves, and scripted model backends (failing, hanging, leaking, recording)."""
from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from arenabot.app import build_core
from arenabot.arena import ArenaService
from arenabot.config import ModelSettings, Settings, settings_from_dict
from arenabot.domain import Actor, Message, Scope
from arenabot.providers import Completion, ProviderError, ProviderHub
from tests.support.fake_platform import FakePlatform

SCOPE = Scope("fake", "guild-1")
OTHER_SCOPE = Scope("fake", "guild-2")
ALICE = Actor("alice", "Alice")
BOB = Actor("bob", "Bob")
CAROL = Actor("carol", "Carol")
MOD = Actor("mod", "Moderator", is_moderator=True)
BOT = Actor("bot-1", "Some bot", is_bot=True)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ScriptedProvider:
    """A backend whose behaviour `params.behaviour` picks:
    "ok" (default): a reply quoting the last prompt, streamed in three pieces;
    "fail": ProviderError at once; "hang": waits forever; "slow": streams a piece every 50 ms
    for a long time; "leak": says it was made by OpenAI.
    Every conversation it receives is recorded, and so is every cancellation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Message]]] = []
        self.cancelled: list[str] = []
        self.replies: dict[str, list[str]] = {}  # model name -> the replies it gave, in order

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta=None) -> Completion:
        self.calls.append((model.name, list(messages)))
        prompt = messages[-1].content
        behaviour = model.params.get("behaviour", "ok")
        try:
            if behaviour == "fail":
                # Like the real providers, the message names the model: the thread must not show it.
                raise ProviderError(model.name, f"{model.name} answered 500")
            if behaviour == "hang":
                await asyncio.Event().wait()
            if behaviour == "slow":
                for k in range(10_000):
                    await asyncio.sleep(0.05)
                    if on_delta:
                        await on_delta(f"word{k} ")
            mine = self.replies.setdefault(model.name, [])
            # Replies must not name the model (that would be an identity leak): a serial number tells them apart.
            text = f"As a model by OpenAI, I answer: {prompt}" if behaviour == "leak" else f"Reply {len(self.calls)} to: {prompt}"
            mine.append(text)
            for piece in (text[: len(text) // 3], text[len(text) // 3 : 2 * len(text) // 3], text[2 * len(text) // 3 :]):
                if on_delta:
                    await on_delta(piece)
            return Completion(text=text, finish_reason="stop", completion_tokens=len(text.split()))
        except asyncio.CancelledError:
            self.cancelled.append(model.name)
            raise

    def seen_by(self, name: str) -> list[list[Message]]:
        return [messages for model, messages in self.calls if model == name]


def model(name: str, behaviour: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"name": name, "provider": "openai", "params": {"behaviour": behaviour}, **extra}


def make_settings(db_url: str, models: list[dict[str, Any]] | None = None, **arena: Any) -> Settings:
    models = models if models is not None else [model("alpha"), model("beta"), model("gamma")]
    return settings_from_dict({"database": {"url": db_url}, "arena": arena, "models": models})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def core_db_url(sqlite_url: str) -> str:
    """SQLite by default; vote, sweeper and concurrency tests override this with `db_url`
    (SQLite and PostgreSQL), where the two databases can really behave differently."""
    return sqlite_url


@pytest.fixture
def core(core_db_url: str, clock: Clock, provider: ScriptedProvider) -> Callable[..., Any]:
    """`async with core(models=[...], **arena_settings) as service:` on the test's database."""

    @asynccontextmanager
    async def open_core(models: list[dict[str, Any]] | None = None, seed: int = 7, **arena: Any) -> AsyncIterator[ArenaService]:
        settings = make_settings(core_db_url, models, **arena)
        hub = ProviderHub(settings)
        hub.register("openai", provider)
        try:
            async with build_core(settings, hub=hub, rng=random.Random(seed), clock=clock) as service:
                yield service
        finally:
            await hub.close()

    return open_core


async def battle(service: ArenaService, platform: FakePlatform, prompt: str = "Explain rainbows", actor: Actor = ALICE, scope: Scope = SCOPE, **kw: Any):
    """Start a battle that must succeed; returns (reply, thread_ref, battle record)."""
    reply = await service.start_battle(platform, scope, "channel-1", actor, prompt, **kw)
    thread = platform.last_thread().ref
    record = await service.store.battle_by_thread(platform.name, thread)
    assert record is not None
    return reply, thread, record
