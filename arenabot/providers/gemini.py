"""Google Gemini `streamGenerateContent` with `alt=sse`.

Wire format: each `data:` event is a whole GenerateContentResponse: `candidates[0].content.parts`
(parts with `"thought": true` are reasoning), `finishReason` on the last chunk, `usageMetadata`,
and `promptFeedback.blockReason` when the prompt itself was blocked. There is no end marker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers.dialect import HttpRequest, StreamState, base_url, system_text
from arenabot.providers.errors import ContentFiltered, StreamError
from arenabot.providers.sse import SseEvent

_FILTERED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}
# Request fields that sit beside generationConfig; every other param is a generation setting.
_TOP_LEVEL = {"safetySettings", "tools", "toolConfig", "cachedContent", "labels"}
# OpenAI-style names people write out of habit.
_ALIASES = {"max_tokens": "maxOutputTokens", "top_p": "topP", "top_k": "topK", "stop": "stopSequences"}


class GeminiDialect:
    name = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"

    def build_request(self, model: ModelSettings, messages: Sequence[Message], api_key: str | None) -> HttpRequest:
        body: dict[str, Any] = {
            "contents": [
                {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                for m in messages
                if m.role != "system"
            ],
        }
        system = system_text(messages)
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        generation: dict[str, Any] = {}
        for key, value in model.params.items():
            if key in _TOP_LEVEL:
                body[key] = value
            elif key == "generationConfig" and isinstance(value, dict):
                generation.update(value)
            else:
                generation[_ALIASES.get(key, key)] = value
        if generation:
            body["generationConfig"] = generation
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["x-goog-api-key"] = api_key  # a header, so the key never sits in a URL that may be logged
        root = base_url(model, self)
        if not root.endswith(("/v1beta", "/v1")):
            root += "/v1beta"
        model_id = model.model_id.removeprefix("models/")
        return HttpRequest(f"{root}/models/{model_id}:streamGenerateContent?alt=sse", headers, body)

    def read_event(self, event: SseEvent, state: StreamState) -> tuple[str, str]:
        chunk = json.loads(event.data)
        if not isinstance(chunk, dict):
            raise ValueError("chunk is not a JSON object")
        if "error" in chunk:
            status = (chunk["error"] or {}).get("status", "")
            raise StreamError(state.model, f"{state.model}: the API reported {status or 'an error'} mid-reply; try again")
        usage = chunk.get("usageMetadata")
        if usage:
            state.prompt_tokens = usage.get("promptTokenCount")
            output = usage.get("candidatesTokenCount")
            if output is not None:
                state.completion_tokens = output + (usage.get("thoughtsTokenCount") or 0)
        candidates = chunk.get("candidates")
        if not candidates:
            block = (chunk.get("promptFeedback") or {}).get("blockReason")
            if block:
                raise ContentFiltered(
                    state.model, f"{state.model}'s provider blocked the prompt ({block}); try a different prompt"
                )
            return "", ""
        candidate = candidates[0]
        text: list[str] = []
        thought: list[str] = []
        for part in (candidate.get("content") or {}).get("parts") or ():
            if "text" in part:
                (thought if part.get("thought") else text).append(part["text"])
        reason = candidate.get("finishReason")
        if reason and reason != "FINISH_REASON_UNSPECIFIED":
            state.finish_reason = "content_filter" if reason in _FILTERED else _FINISH.get(reason, reason.lower())
        return "".join(text), "".join(thought)
