"""Anthropic Messages API streaming.

Wire format: named SSE events `message_start` (input token count), `content_block_start`,
`content_block_delta` (`text_delta`, or `thinking_delta` when extended thinking is on), `ping`,
`content_block_stop`, `message_delta` (stop_reason, output token count), `message_stop`, and
`error` events such as `overloaded_error` in the middle of a stream.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.dialect import HttpRequest, StreamState, base_url, system_text
from arenabot.providers.errors import RateLimited, ServerError, StreamError
from arenabot.providers.sse import SseEvent

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024  # the API requires max_tokens; override it in params

_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "refusal": "content_filter",
}


class AnthropicDialect:
    name = "anthropic"
    default_base_url = "https://api.anthropic.com"

    def build_request(self, model: ModelSettings, messages: Sequence[Message], api_key: str | None) -> HttpRequest:
        body: dict = {
            "model": model.model_id,
            "messages": [{"role": m.role, "content": m.content} for m in messages if m.role != "system"],
            "max_tokens": DEFAULT_MAX_TOKENS,
            "stream": True,
            **model.params,
        }
        system = system_text(messages)
        if system:
            body["system"] = system
        headers = {"Content-Type": "application/json", "anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        root = base_url(model, self)
        return HttpRequest(root + ("/messages" if root.endswith("/v1") else "/v1/messages"), headers, body)

    def read_event(self, event: SseEvent, state: StreamState) -> tuple[str, str]:
        payload = json.loads(event.data)
        if not isinstance(payload, dict):
            raise ValueError("event is not a JSON object")
        kind = payload.get("type") or event.event
        if kind == "content_block_delta":
            delta = payload["delta"]
            delta_type = delta.get("type")
            if delta_type == "text_delta":
                return delta.get("text", ""), ""
            if delta_type == "thinking_delta":
                return "", delta.get("thinking", "")
            return "", ""  # signature_delta, input_json_delta: nothing to show
        if kind == "message_start":
            usage = payload.get("message", {}).get("usage") or {}
            state.prompt_tokens = usage.get("input_tokens")
        elif kind == "message_delta":
            reason = (payload.get("delta") or {}).get("stop_reason")
            if reason:
                state.finish_reason = _STOP_REASONS.get(reason, reason)
            usage = payload.get("usage") or {}
            if "output_tokens" in usage:
                state.completion_tokens = usage["output_tokens"]
        elif kind == "message_stop":
            state.done = True
        elif kind == "error":
            raise _stream_error(state.model, payload.get("error") or {})
        return "", ""


def _stream_error(model: str, error: dict) -> Exception:
    kind = error.get("type", "")
    if kind == "overloaded_error":
        return ServerError(model, f"{model}: the API is overloaded; try again in a minute", status=529)
    if kind == "rate_limit_error":
        return RateLimited(model, f"{model} is rate-limited by its API; try again in a minute")
    if kind == "api_error":
        return ServerError(model, f"{model}: the API failed mid-reply; try again later", status=500)
    return StreamError(model, f"{model}: the API reported {kind or 'an error'} mid-reply; try again")
