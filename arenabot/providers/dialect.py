"""What each API's wire format must provide to the shared streaming engine (`streaming.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.sse import SseEvent


@dataclass(frozen=True)
class HttpRequest:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class StreamState:
    """What the stream has told us so far, besides the text."""

    model: str  # the model's arena name, for error messages
    finish_reason: str | None = None  # normalised: "stop", "length", "content_filter", or the raw value
    done: bool = False  # the API's end-of-stream marker was seen
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def complete(self) -> bool:
        # Some servers close the stream after the finish reason without their end marker: still whole.
        return self.done or self.finish_reason is not None


class Dialect(Protocol):
    name: str  # "openai" | "anthropic" | "gemini"
    default_base_url: str

    def build_request(self, model: ModelSettings, messages: Sequence[Message], api_key: str | None) -> HttpRequest:
        """The streaming request; system messages come first in `messages`."""

    def read_event(self, event: SseEvent, state: StreamState) -> tuple[str, str]:
        """(text, reasoning) carried by one event; updates `state`; raises ProviderError on an error event.
        A malformed event may raise ValueError, LookupError, TypeError or AttributeError."""


def base_url(model: ModelSettings, dialect: Dialect) -> str:
    return (model.base_url or dialect.default_base_url).rstrip("/")


def system_text(messages: Sequence[Message]) -> str:
    return "\n\n".join(m.content for m in messages if m.role == "system")
