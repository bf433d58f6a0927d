"""Typed provider failures. Each message names the model and the fix, and never an API key.

`retryable` errors may be retried, but only before any token was shown to voters.
`counts_against_model` errors feed the cool-down of a model that keeps failing.
"""

from __future__ import annotations

from arenabot.providers.base import ProviderError


class ProviderTimeout(ProviderError):
    """No connection, no first token, a stall between chunks, or the whole reply took too long."""

    kind = "timeout"
    _PUBLIC = {
        "connect": "the model's server could not be reached in time",
        "queue": "the model was too busy to start",
        "first_token": "the model did not start answering in time",
        "stall": "the model stopped in the middle of its reply",
        "total": "the model did not finish in time",
    }

    def __init__(self, model: str, user_message: str, phase: str):
        self.phase = phase  # "connect" | "queue" | "first_token" | "stall" | "total"
        super().__init__(model, user_message)

    @property
    def public_message(self) -> str:
        return self._PUBLIC.get(self.phase, "the model took too long")

    @property
    def retryable(self) -> bool:
        return self.phase == "connect"


class ConnectFailed(ProviderError):
    """The API's host refused or dropped the connection before answering."""

    kind = "unreachable"
    public_text = "the model's server could not be reached"
    retryable = True


class RateLimited(ProviderError):
    kind = "rate_limited"
    public_text = "the model is rate-limited right now; try again later"
    retryable = True

    def __init__(self, model: str, user_message: str, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(model, user_message)


class AuthError(ProviderError):
    """401/403 or no key in the configured environment variable."""

    kind = "auth"
    public_text = "the model is misconfigured (API key); a moderator can see the details in the logs"


class ModelNotFound(ProviderError):
    kind = "not_found"
    public_text = "the model is misconfigured (unknown model id); a moderator can see the details in the logs"


class BadRequest(ProviderError):
    """The API refused the request itself (400/422): usually a parameter in `params`."""

    kind = "bad_request"
    public_text = "the model's API refused the request; a moderator can see the details in the logs"


class ServerError(ProviderError):
    kind = "server"
    public_text = "the model's API failed; try again later"
    retryable = True

    def __init__(self, model: str, user_message: str, status: int | None = None):
        self.status = status
        super().__init__(model, user_message)


class StreamError(ProviderError):
    """The stream broke: a dropped connection, a malformed event, or no end marker."""

    kind = "stream"
    public_text = "the model's reply broke off"

    def __init__(self, model: str, user_message: str, retryable: bool = False):
        self.retryable = retryable
        super().__init__(model, user_message)


class EmptyCompletion(ProviderError):
    kind = "empty"
    public_text = "the model gave an empty reply"


class ContentFiltered(ProviderError):
    """The provider stopped the reply with its content filter; not the model's fault."""

    kind = "content_filter"
    public_text = "the model's provider stopped the reply with its content filter"
    counts_against_model = False

    def __init__(self, model: str, user_message: str, partial_text: str = ""):
        self.partial_text = partial_text
        super().__init__(model, user_message)


def is_retryable(error: ProviderError) -> bool:
    return bool(getattr(error, "retryable", False))


def counts_against_model(error: ProviderError) -> bool:
    return bool(getattr(error, "counts_against_model", True))
