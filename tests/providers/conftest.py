"""Fixtures: the fake model APIs on 127.0.0.1, a hub whose retry waits are recorded, model settings for each API."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from arenabot.config import ModelSettings
from arenabot.providers import ProviderHub
from tests.providers.fake_api import FakeApi

TEST_KEY = "sk-test-4f9c2e7a1b3d5f6e8a0c"


@pytest.fixture
async def api():
    server = await FakeApi().start()
    yield server
    await server.close()


class Sleeps(list):
    """Records each retry wait instead of waiting, so retry tests run at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def hub(sleeps):
    providers = ProviderHub(sleep=sleeps)
    yield providers
    await providers.close()


def model_for(api: FakeApi, provider: str, model_id: str = "m", **overrides: Any) -> ModelSettings:
    """A model pointed at the fake server, with short limits so fault tests are quick."""
    base = {"openai": f"{api.url}/v1", "anthropic": api.url, "gemini": api.url}[provider]
    limits = {"connect_timeout_s": 1, "first_token_timeout_s": 2, "stall_timeout_s": 2, "total_timeout_s": 10,
              "retry_backoff_s": 0.01, **overrides.pop("limits", {})}
    return ModelSettings(name=f"{provider}-{model_id}", provider=provider, model_id=model_id, base_url=base,
                         limits=limits, **overrides)


PROVIDERS = ["openai", "anthropic", "gemini"]
