"""The one interface every model backend implements, and its typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from arenabot.config import ModelSettings
from arenabot.domain import Message

OnDelta = Callable[[str], Awaitable[None]]
"""Called with each new piece of text as it streams in."""


@dataclass
class Completion:
    text: str
    finish_reason: str | None = None  # "stop", "length" (truncated), "content_filter", ...
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    first_token_s: float | None = None
    reasoning: str = ""  # hidden reasoning (<think> blocks, reasoning fields), kept for the record

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class ProviderError(Exception):
    """A model failed. `user_message` names the model and the fix, for moderators and logs; it never
    holds a key. `public_message` says what went wrong without naming the model, for a blind battle's thread."""

    kind = "error"
    public_text = "the model failed to answer"

    def __init__(self, model: str, user_message: str):
        self.model = model
        self.user_message = user_message
        super().__init__(user_message if model in user_message else f"{model}: {user_message}")

    @property
    def public_message(self) -> str:
        return self.public_text


class Provider(Protocol):
    async def complete(self, model: ModelSettings, messages: Sequence[Message], on_delta: OnDelta | None = None) -> Completion:
        """Generate one reply, streaming deltas to `on_delta`; raise `ProviderError` on failure.
        Cancelling the calling task must close any network stream at once."""
