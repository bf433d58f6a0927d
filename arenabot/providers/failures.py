"""Turns HTTP statuses and transport failures into typed errors with actionable messages.

The API key is never put in a message: server text (which may echo a key, as OpenAI's 401 does)
is only quoted for 400/5xx, shortened, and with the key removed.
"""

from __future__ import annotations

import email.utils
import json
import time

from yarl import URL

from arenabot.config import ModelSettings
from arenabot.providers.base import ProviderError
from arenabot.providers.errors import (
    AuthError,
    BadRequest,
    ConnectFailed,
    ModelNotFound,
    ProviderTimeout,
    RateLimited,
    ServerError,
    StreamError,
)


def host_of(url: str) -> str:
    """Host and port only: a URL may carry credentials or a query key."""
    parsed = URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host)


def redact(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "[redacted]")
    return text


def server_detail(body: bytes, secret: str | None, limit: int = 200) -> str:
    """The API's own error message, if it sent one, shortened and without the key."""
    text = body.decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, list) and payload:  # Gemini sometimes wraps the error in a list
        payload = payload[0]
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        message = error.get("message") if isinstance(error, dict) else error
        text = str(message or text)
    text = " ".join(redact(text, secret).split())
    return text[:limit] + ("..." if len(text) > limit else "")


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delay-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def key_fix(model: ModelSettings) -> str:
    if model.api_key_env:
        return f"put a valid key in the environment variable {model.api_key_env}"
    return "set api_key_env for this model and put the key in that environment variable"


def missing_key(model: ModelSettings) -> AuthError:
    return AuthError(
        model.name,
        f"{model.name} has no API key: the environment variable {model.api_key_env} is empty or unset; set it and restart",
    )


def http_error(
    model: ModelSettings, url: str, status: int, body: bytes, retry_after: str | None, secret: str | None
) -> ProviderError:
    name = model.name
    if status in (401, 403):
        return AuthError(name, f"{name}: the API rejected the key (HTTP {status}); {key_fix(model)}")
    if status == 404:
        base = str(URL(model.base_url or url).with_user(None).with_query(None))
        return ModelNotFound(
            name,
            f"{name}: {host_of(url)} does not know model_id {model.model_id!r} (HTTP 404); check model_id and base_url "
            f"(`arenabot models discover --base-url {base}` lists the models a server offers)",
        )
    if status == 429:
        wait = retry_after_seconds(retry_after)
        hint = f"it asks to wait {wait:.0f}s" if wait is not None else "try again in a minute"
        return RateLimited(name, f"{name} is rate-limited by its API (HTTP 429); {hint}, or lower its weight", wait)
    if status >= 500:
        detail = server_detail(body, secret)
        return ServerError(
            name, f"{name}: the API failed (HTTP {status}{': ' + detail if detail else ''}); try again later", status
        )
    detail = server_detail(body, secret)
    return BadRequest(
        name,
        f"{name}: the API refused the request (HTTP {status}{': ' + detail if detail else ''}); check this model's params and model_id",
    )


def connect_failed(model: ModelSettings, url: str) -> ConnectFailed:
    return ConnectFailed(
        model.name, f"{model.name}: cannot reach {host_of(url)}; check that the server is running and base_url is right"
    )


def dropped(model: ModelSettings) -> StreamError:
    return StreamError(model.name, f"{model.name}: the connection dropped mid-reply; try again", retryable=True)


def ended_early(model: ModelSettings) -> StreamError:
    return StreamError(
        model.name, f"{model.name}: the stream ended before the reply was complete (no end marker); try again", retryable=True
    )


def malformed(model: ModelSettings, dialect: str) -> StreamError:
    return StreamError(
        model.name,
        f"{model.name}: the API sent a malformed stream event; check that provider = {dialect!r} matches the server at base_url",
    )


def not_streaming(model: ModelSettings, dialect: str, content_type: str) -> StreamError:
    return StreamError(
        model.name,
        f"{model.name}: the API answered with {content_type} instead of a stream; check that provider = {dialect!r} "
        f"and base_url point at a streaming chat API",
    )


def timed_out(model: ModelSettings, phase: str, url: str) -> ProviderTimeout:
    limits, name = model.limits, model.name
    messages = {
        "connect": f"{name}: no connection to {host_of(url)} within {limits.connect_timeout_s:g}s; check the server, or raise limits.connect_timeout_s",
        "queue": f"{name} is busy: no free slot within the time limit (limits.max_concurrency = {limits.max_concurrency}); try again shortly",
        "first_token": f"{name} sent no reply within {limits.first_token_timeout_s:g}s; it may be overloaded or still loading: try again, or raise limits.first_token_timeout_s",
        "stall": f"{name} stopped streaming for {limits.stall_timeout_s:g}s mid-reply; try again, or raise limits.stall_timeout_s",
        "total": f"{name} did not finish within {limits.total_timeout_s:g}s; ask for a shorter reply, or raise limits.total_timeout_s",
    }
    return ProviderTimeout(name, messages[phase], phase)
