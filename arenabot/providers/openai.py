"""OpenAI-compatible Chat Completions over SSE: OpenAI, vLLM, llama.cpp, Ollama /v1, LM Studio,
OpenRouter, Groq, Together, DeepSeek and most others.

Wire format: `data: {chat.completion.chunk}` events, then `data: [DONE]`. With
`stream_options.include_usage` the last chunk carries `usage` and no choices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.dialect import HttpRequest, StreamState, base_url
from arenabot.providers.errors import RateLimited, ServerError, StreamError
from arenabot.providers.sse import SseEvent

_DONE = b"[DONE]"


class OpenAIDialect:
    name = "openai"
    default_base_url = "https://api.openai.com/v1"

    def build_request(self, model: ModelSettings, messages: Sequence[Message], api_key: str | None) -> HttpRequest:
        body = {
            "model": model.model_id,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            **model.params,  # extra body parameters pass through, and may override the above
        }
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        return HttpRequest(f"{base_url(model, self)}/chat/completions", headers, body)

    def read_event(self, event: SseEvent, state: StreamState) -> tuple[str, str]:
        if event.data == _DONE:
            state.done = True
            return "", ""
        chunk = json.loads(event.data)
        if not isinstance(chunk, dict):
            raise ValueError("chunk is not a JSON object")
        if "error" in chunk:  # OpenRouter and vLLM report mid-stream failures this way
            raise _stream_error(state.model, chunk["error"])
        usage = chunk.get("usage")
        if usage:
            state.prompt_tokens = usage.get("prompt_tokens")
            state.completion_tokens = usage.get("completion_tokens")
        choices = chunk.get("choices")
        if not choices:
            return "", ""
        choice = choices[0]
        reason = choice.get("finish_reason")
        if reason:
            state.finish_reason = reason
        delta = choice.get("delta") or {}
        # A refusal is the model's answer, shown like any text. DeepSeek and vLLM put reasoning in
        # reasoning_content, OpenRouter and Ollama in reasoning.
        text = delta.get("content") or delta.get("refusal") or ""
        return text, delta.get("reasoning_content") or delta.get("reasoning") or ""


def _stream_error(model: str, error: object) -> Exception:
    info = error if isinstance(error, dict) else {"message": str(error)}
    code = str(info.get("code") or info.get("type") or "")
    if code in {"429", "rate_limit_exceeded"}:
        return RateLimited(model, f"{model} is rate-limited by its API; try again in a minute")
    if code.startswith("5") or "overload" in code or "server" in code:
        return ServerError(model, f"{model}: the API failed mid-reply ({code}); try again later")
    return StreamError(model, f"{model}: the API reported an error mid-reply ({code or 'no code'}); try again")
