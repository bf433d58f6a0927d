"""Model backends behind one streaming interface (`Provider.complete`), routed by `ProviderHub`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from arenabot.config import ModelSettings, Settings
from arenabot.domain import Message
from arenabot.providers.anthropic import AnthropicDialect
from arenabot.providers.base import Completion, OnDelta, Provider, ProviderError
from arenabot.providers.demo import DemoProvider
from arenabot.providers.dialect import base_url
from arenabot.providers.errors import (
    AuthError,
    BadRequest,
    ConnectFailed,
    ContentFiltered,
    EmptyCompletion,
    ModelNotFound,
    ProviderTimeout,
    RateLimited,
    ServerError,
    StreamError,
    counts_against_model,
)
from arenabot.providers.gemini import GeminiDialect
from arenabot.providers.health import ModelHealth
from arenabot.providers.http import HttpClient
from arenabot.providers.openai import OpenAIDialect
from arenabot.providers.streaming import Sleep, StreamingProvider

__all__ = [
    "AuthError",
    "BadRequest",
    "Completion",
    "ConnectFailed",
    "ContentFiltered",
    "EmptyCompletion",
    "ModelNotFound",
    "OnDelta",
    "Provider",
    "ProviderError",
    "ProviderHub",
    "ProviderTimeout",
    "RateLimited",
    "ServerError",
    "StreamError",
]

log = logging.getLogger("arenabot.providers")


def with_system_prompts(model: ModelSettings, messages: Sequence[Message], arena_prompt: str | None) -> list[Message]:
    """One system message first: the arena's prompt, then the model's own, then any the caller gave."""
    given = [m.content for m in messages if m.role == "system"]
    parts = [p for p in (arena_prompt, model.system_prompt, *given) if p]
    rest = [m for m in messages if m.role != "system"]
    return [Message("system", "\n\n".join(parts)), *rest] if parts else rest


class ProviderHub:
    """Routes each model to its backend, owns the shared aiohttp session, and cools down failing models.

    `ProviderHub()` serves the demo models and any configured model; `ProviderHub(settings)` also
    applies `settings.arena.system_prompt` and sizes each endpoint's concurrency limit from every
    model that shares it. `clock`, `sleep` and the cool-down figures are there for tests.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        failure_threshold: int = 3,
        cooldown_s: float = 60.0,
        max_cooldown_s: float = 900.0,
    ) -> None:
        self._settings = settings
        self._http = HttpClient()
        self._health = ModelHealth(clock, failure_threshold, cooldown_s, max_cooldown_s)
        self._backends: dict[str, Provider] = {"demo": DemoProvider()}
        for dialect in (OpenAIDialect(), AnthropicDialect(), GeminiDialect()):
            self._backends[dialect.name] = StreamingProvider(dialect, self._http, sleep=sleep, concurrency=self._endpoint_limit)

    def register(self, provider_name: str, backend: Provider) -> None:
        self._backends[provider_name] = backend

    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None) -> Completion:
        backend = self._backends.get(model.provider)
        if backend is None:
            raise ProviderError(model.name, f"provider {model.provider!r} is not available in this build")
        arena_prompt = self._settings.arena.system_prompt if self._settings else None
        try:
            completion = await backend.complete(model, with_system_prompts(model, messages, arena_prompt), on_delta)
        except ProviderError as error:
            if counts_against_model(error):
                self._health.failure(model.name, error.kind)
            log.warning("model %s failed (%s): %s", model.name, error.kind, error.user_message)
            raise
        self._health.success(model.name)
        return completion

    async def probe(self, model: ModelSettings, messages: Sequence[Message]) -> Completion:
        """One request straight to the backend: no system prompts, and no effect on the model's
        cool-down (a health check must not take a model out of sampling)."""
        backend = self._backends.get(model.provider)
        if backend is None:
            raise ProviderError(model.name, f"provider {model.provider!r} is not available in this build")
        return await backend.complete(model, list(messages), None)

    def is_available(self, model_name: str) -> bool:
        """False while a model is cooling down after repeated failures."""
        return self._health.available(model_name)

    def health(self, model_name: str) -> str | None:
        """A line for `/arena models`: None when the model is sampled normally."""
        return self._health.describe(model_name)

    def _endpoint_limit(self, model: ModelSettings) -> int:
        if self._settings is None:
            return model.limits.max_concurrency
        backend = self._backends.get(model.provider)
        dialect = getattr(backend, "dialect", None)
        if dialect is None:
            return model.limits.max_concurrency
        endpoint = base_url(model, dialect)
        sharing = [
            m.limits.max_concurrency
            for m in self._settings.models
            if m.provider == model.provider and base_url(m, dialect) == endpoint
        ]
        return min([model.limits.max_concurrency, *sharing])

    async def close(self) -> None:
        for backend in self._backends.values():
            closer = getattr(backend, "close", None)
            if closer is not None:
                await closer()
        await self._http.close()
