"""The sweeper and battles still being answered: a battle whose window passes while its models
are still generating is left open until its ballot is up, then revealed by a later sweep."""
from __future__ import annotations

import asyncio

import pytest

from arenabot.domain import BattleStatus
from tests.core.conftest import ALICE, BOB, SCOPE, ScriptedProvider, model
from tests.support.fake_platform import FakePlatform


class GatedProvider(ScriptedProvider):
    """Behaviour "gate": a prompt starting with "hold" is answered only once the test opens the
    gate (the call is announced first); other prompts are answered at once."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def complete(self, model, messages, on_delta=None):
        if model.params.get("behaviour") == "gate" and messages[-1].content.startswith("hold"):
            self.entered.set()
            await self.gate.wait()
        return await super().complete(model, messages, on_delta)


@pytest.fixture
def provider() -> GatedProvider:
    return GatedProvider()


async def test_a_battle_still_generating_is_not_swept_until_it_finishes(core, clock, provider):
    platform = FakePlatform()
    async with core(models=[model("alpha", "gate"), model("beta", "gate")], battle_window_minutes=1) as service:
        started = asyncio.create_task(service.start_battle(platform, SCOPE, "channel-1", ALICE, "hold: explain rainbows"))
        try:
            await asyncio.wait_for(provider.entered.wait(), 30)
            held_thread = platform.last_thread().ref
            # A second battle, opened later (so swept after the first), finishes at once.
            assert (await service.start_battle(platform, SCOPE, "channel-1", BOB, "Explain tides")).ok
            done_thread = platform.last_thread().ref
            held = await service.store.battle_by_thread(platform.name, held_thread)
            done = await service.store.battle_by_thread(platform.name, done_thread)
            clock.advance(minutes=5)  # both windows have passed; the first battle's models are still answering
            assert [b.id for b in await service.store.expired_open_battles(platform.name, clock())] == [held.id, done.id]
            assert await service.sweep(platform) == 1  # the finished one; the one generating is skipped, not a stop
            assert (await service.store.get_battle(held.id)).status is BattleStatus.OPEN
            assert (await service.store.get_battle(done.id)).status is BattleStatus.CLOSED
        finally:
            provider.gate.set()  # never leave the held battle hanging, pass or fail

        reply = await asyncio.wait_for(started, 30)
        assert reply.ok
        assert platform.ballot(held_thread)  # the ballot went up: the battle was complete, not cut short
        assert await service.sweep(platform) == 1
        assert (await service.store.get_battle(held.id)).status is BattleStatus.CLOSED
        assert any(p.startswith("**Revealed:**") for p in platform.posts(held_thread))
