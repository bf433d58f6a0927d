"""The sweeper and battles still being answered: a battle whose window passes while its models
are still generating is left open until its ballot is up, then revealed by a later sweep."""
from __future__ import annotations

import asyncio

import pytest

from arenabot.domain import BattleStatus
from tests.core.conftest import SCOPE, ALICE, ScriptedProvider, model
from tests.support.fake_platform import FakePlatform


class GatedProvider(ScriptedProvider):
    """Behaviour "gate": announce the call, then answer only once the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def complete(self, model, messages, on_delta=None):
        if model.params.get("behaviour") == "gate":
            self.entered.set()
            await self.gate.wait()
        return await super().complete(model, messages, on_delta)


@pytest.fixture
def provider() -> GatedProvider:
    return GatedProvider()


async def test_a_battle_still_generating_is_not_swept_until_it_finishes(core, clock, provider):
    platform = FakePlatform()
    async with core(models=[model("alpha", "gate"), model("beta", "gate")], battle_window_minutes=1) as service:
        started = asyncio.create_task(service.start_battle(platform, SCOPE, "channel-1", ALICE, "Explain rainbows"))
        await asyncio.wait_for(provider.entered.wait(), 30)
        clock.advance(minutes=5)  # the window has passed while both models are still answering
        [open_battle] = await service.store.expired_open_battles(platform.name, clock())
        assert await service.sweep(platform) == 0
        assert (await service.store.get_battle(open_battle.id)).status is BattleStatus.OPEN

        provider.gate.set()
        reply = await asyncio.wait_for(started, 30)
        assert reply.ok
        thread = platform.last_thread().ref
        assert platform.ballot(thread)  # the ballot went up: the battle was complete, not cut short
        assert await service.sweep(platform) == 1
        assert (await service.store.get_battle(open_battle.id)).status is BattleStatus.CLOSED
        assert any(p.startswith("**Revealed:**") for p in platform.posts(thread))
