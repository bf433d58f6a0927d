"""Is a model reachable? One request for one token, for `check-config --connect` and `/arena doctor`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.base import ProviderError
from arenabot.providers.errors import ContentFiltered, EmptyCompletion

if TYPE_CHECKING:
    from arenabot.providers import ProviderHub

PROBE_PROMPT = "Reply with the single word OK."
PROBE_TIMEOUT_S = 20.0


def probe_settings(model: ModelSettings) -> ModelSettings:
    """The model asked for at most one token, once, within PROBE_TIMEOUT_S."""
    limits = model.limits.model_copy(
        update={
            "max_retries": 0,
            "total_timeout_s": min(model.limits.total_timeout_s, PROBE_TIMEOUT_S),
            "first_token_timeout_s": min(model.limits.first_token_timeout_s, PROBE_TIMEOUT_S),
        }
    )
    return model.model_copy(update={"params": {**model.params, "max_tokens": 1}, "limits": limits})


async def probe_model(hub: ProviderHub, model: ModelSettings) -> str | None:
    """None when the model answered (even with nothing: a one-token budget can end before any
    text), else what failed and what to fix, in one line."""
    try:
        await hub.probe(probe_settings(model), [Message("user", PROBE_PROMPT)])
    except (EmptyCompletion, ContentFiltered):
        return None  # the API accepted the request and answered: reachable
    except ProviderError as error:
        return " ".join(error.user_message.split())
    return None
