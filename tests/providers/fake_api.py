"""A local fake of the three model APIs, speaking their real streaming wire formats, with faults.

Shapes follow the vendors' API references: OpenAI `chat.completion.chunk` SSE ending in
`data: [DONE]`; Anthropic Messages named events (`message_start` ... `message_stop`, `ping`,
`error`); Gemini `streamGenerateContent?alt=sse` where every event is a whole response with
`candidates`, `finishReason` and `usageMetadata`. Model listings: OpenAI-style `GET /v1/models`,
Ollama `GET /api/tags`, Gemini `GET /v1beta/models`.

A test scripts a model id with `Scenario`; the server records every request and every client
disconnect it saw.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_TOKENS = ["Hello", ",", " voter", "!", " This", " is", " a", " reply", "."]


@dataclass
class Scenario:
    tokens: list[str] = field(default_factory=lambda: list(DEFAULT_TOKENS))
    reasoning: list[str] = field(default_factory=list)  # sent in the API's reasoning field
    finish: str = "stop"  # "stop" | "length" | "content_filter"
    # A fault for the first `fault_times` requests (then the scenario answers normally); -1 = always.
    fault: str | None = None
    fault_times: int = -1
    status: int = 500
    retry_after: str | None = None
    error_body: str = '{"error": {"message": "boom"}}'
    tokens_before_fault: int = 0  # for drop, stall, malformed, mid_error
    delay_s: float = 0.0  # between tokens
    headers_delay_s: float = 0.0  # before the response starts
    keepalive_s: float = 0.0  # send ":" comments this often while delaying
    require_key: str | None = None  # 401 unless this key is sent (the body echoes the wrong key)


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


class FakeApi:
    """Start with `await FakeApi().start()`; `url` is http://127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.scenarios: dict[str, Scenario] = {}
        self.requests: list[Recorded] = []
        self.calls: dict[str, int] = {}
        self.disconnected: dict[str, asyncio.Event] = {}
        self.models = ["alpha-7b", "beta-chat:latest"]
        self.lists_v1_models = True  # False: like older Ollama builds, only /api/tags lists models
        self.record_requests = True
        self.active = 0  # streams open now
        self.peak_active = 0
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._anthropic)
        app.router.add_post("/v1beta/models/{target}", self._gemini)
        app.router.add_get("/v1/models", self._list_v1)
        app.router.add_get("/api/tags", self._list_ollama)
        app.router.add_get("/v1beta/models", self._list_gemini)
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""

    async def start(self) -> "FakeApi":
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        await self._runner.cleanup()

    def script(self, model_id: str, **kwargs: Any) -> Scenario:
        self.scenarios[model_id] = Scenario(**kwargs)
        return self.scenarios[model_id]

    def disconnect_seen(self, model_id: str) -> asyncio.Event:
        return self.disconnected.setdefault(model_id, asyncio.Event())

    # -- chat endpoints ---------------------------------------------------------------------

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return await self._serve(request, body, body["model"], key, OpenAIWire(body["model"]))

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        return await self._serve(request, body, body["model"], request.headers.get("x-api-key", ""), AnthropicWire(body["model"]))

    async def _gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["target"].partition(":")
        if action != "streamGenerateContent" or request.query.get("alt") != "sse":
            return web.json_response({"error": {"code": 400, "message": "use :streamGenerateContent?alt=sse"}}, status=400)
        body = await request.json()
        return await self._serve(request, body, model, request.headers.get("x-goog-api-key", ""), GeminiWire(model))

    async def _serve(self, request: web.Request, body: Any, model: str, key: str, wire: "Wire") -> web.StreamResponse:
        if self.record_requests:
            self.requests.append(Recorded(request.path, dict(request.query), dict(request.headers), body))
        scenario = self.scenarios.get(model, Scenario())
        call = self.calls[model] = self.calls.get(model, 0) + 1
        faulty = scenario.fault is not None and (scenario.fault_times < 0 or call <= scenario.fault_times)
        fault = scenario.fault if faulty else None
        if scenario.require_key is not None and key != scenario.require_key:
            # Like OpenAI's 401, the message echoes the key it got: clients must not repeat it.
            return web.json_response({"error": {"message": f"Incorrect API key provided: {key}", "code": "invalid_api_key"}}, status=401)
        if fault == "status":
            headers = {"Retry-After": scenario.retry_after} if scenario.retry_after else None
            return web.Response(status=scenario.status, text=scenario.error_body, headers=headers, content_type="application/json")
        if fault == "unknown_model":
            return web.json_response({"error": {"message": f"model '{model}' not found"}}, status=404)
        if fault == "not_streaming":  # a server or proxy that ignores "stream": true
            return web.json_response({"choices": [{"message": {"role": "assistant", "content": "whole reply"}}]})
        if fault == "drop_before_headers":
            request.transport.abort()  # type: ignore[union-attr]  # the connection dies before any answer
            return web.Response()
        self.active += 1
        self.peak_active = max(self.peak_active, self.active)
        open_stream = [True]
        try:
            return await self._stream(request, scenario, fault, wire, open_stream)
        except (ConnectionResetError, asyncio.CancelledError):
            self.disconnect_seen(model).set()
            raise
        finally:
            self._leave(open_stream)

    def _leave(self, open_stream: list[bool]) -> None:
        # Counted out before the last bytes go, so a client that starts its next stream the moment
        # this one ends is never seen as one stream too many.
        if open_stream[0]:
            open_stream[0] = False
            self.active -= 1

    async def _stream(self, request: web.Request, scenario: Scenario, fault: str | None, wire: "Wire",
                      open_stream: list[bool]) -> web.StreamResponse:
        await self._wait(request, scenario.headers_delay_s, scenario.keepalive_s, None)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        for chunk in wire.start():
            await response.write(chunk)
        if fault == "first_token_hang":
            await self._wait(request, 3600, scenario.keepalive_s, response)
        for chunk in (wire.reasoning(r) for r in scenario.reasoning):
            await response.write(chunk)
        for index, token in enumerate(scenario.tokens):
            if fault and index == scenario.tokens_before_fault:
                if fault == "drop":
                    request.transport.abort()  # type: ignore[union-attr]  # no chunked terminator: a cut-off body
                    return response
                if fault == "stall":
                    await self._wait(request, 3600, 0, response)
                if fault == "malformed":
                    await response.write(b'data: {"choices": [{"delta": {"content": "oops"\n\n')
                if fault == "wrong_shape":  # valid JSON that fits none of the three formats
                    await response.write(b'data: {"choices": [42], "type": "content_block_delta", "delta": 5, "candidates": [7]}\n\n')
                if fault == "mid_error":
                    await response.write(wire.error())
                    await response.write_eof()
                    return response
            if scenario.delay_s:
                await asyncio.sleep(scenario.delay_s)
            await response.write(wire.text(token))
        if fault == "no_terminator":
            await response.write_eof()
            return response
        self._leave(open_stream)
        for chunk in wire.finish(scenario.finish, len(scenario.tokens) + len(scenario.reasoning)):
            await response.write(chunk)
        await response.write_eof()
        return response

    @staticmethod
    async def _wait(request: web.Request, seconds: float, keepalive_s: float, response: web.StreamResponse | None) -> None:
        """Sleep, sending SSE comments every `keepalive_s` (a dead client raises on the next write)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            step = min(left, keepalive_s or 0.05)
            await asyncio.sleep(step)
            if response is not None and keepalive_s:
                await response.write(b": keep-alive\n\n")
            if request.transport is None or request.transport.is_closing():
                raise ConnectionResetError("client went away")

    # -- model listings ---------------------------------------------------------------------

    async def _list_v1(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded(request.path, dict(request.query), dict(request.headers), None))
        if not self.lists_v1_models:
            return web.json_response({"error": "404 page not found"}, status=404)
        if "anthropic-version" in request.headers:
            return web.json_response({"data": [{"type": "model", "id": m, "display_name": m} for m in self.models],
                                      "has_more": False})
        return web.json_response({"object": "list", "data": [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models]})

    async def _list_ollama(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded(request.path, dict(request.query), dict(request.headers), None))
        return web.json_response({"models": [{"name": m, "model": m, "details": {"family": "llama"}} for m in self.models]})

    async def _list_gemini(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded(request.path, dict(request.query), dict(request.headers), None))
        models = [{"name": f"models/{m}", "supportedGenerationMethods": ["generateContent", "countTokens"]} for m in self.models]
        models.append({"name": "models/embedder-1", "supportedGenerationMethods": ["embedContent"]})
        return web.json_response({"models": models})


def _sse(payload: Any, event: str | None = None, crlf: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    head = f"event: {event}{end}" if event else ""
    return f"{head}data: {json.dumps(payload)}{end}{end}".encode()


class Wire:
    def start(self) -> list[bytes]: return []
    def text(self, token: str) -> bytes: raise NotImplementedError
    def reasoning(self, token: str) -> bytes: raise NotImplementedError
    def finish(self, reason: str, count: int) -> list[bytes]: raise NotImplementedError
    def error(self) -> bytes: raise NotImplementedError


class OpenAIWire(Wire):
    def __init__(self, model: str):
        self.base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": model}

    def _chunk(self, delta: dict, finish: str | None = None) -> bytes:
        return _sse({**self.base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]})

    def start(self) -> list[bytes]:
        return [self._chunk({"role": "assistant", "content": ""})]

    def text(self, token: str) -> bytes:
        return self._chunk({"content": token})

    def reasoning(self, token: str) -> bytes:
        return self._chunk({"reasoning_content": token})

    def finish(self, reason: str, count: int) -> list[bytes]:
        usage = {"prompt_tokens": 11, "completion_tokens": count, "total_tokens": 11 + count}
        return [self._chunk({}, reason), _sse({**self.base, "choices": [], "usage": usage}), b"data: [DONE]\n\n"]

    def error(self) -> bytes:
        return _sse({"error": {"message": "upstream failed", "code": 502}})


class AnthropicWire(Wire):
    _REASONS = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal"}

    def __init__(self, model: str):
        self.model = model

    def start(self) -> list[bytes]:
        message = {"id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": self.model,
                   "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 13, "output_tokens": 1}}
        return [
            _sse({"type": "message_start", "message": message}, "message_start"),
            _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}, "content_block_start"),
            _sse({"type": "ping"}, "ping"),
        ]

    def text(self, token: str) -> bytes:
        return _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token}}, "content_block_delta")

    def reasoning(self, token: str) -> bytes:
        return _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": token}}, "content_block_delta")

    def finish(self, reason: str, count: int) -> list[bytes]:
        return [
            _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            _sse({"type": "message_delta", "delta": {"stop_reason": self._REASONS[reason], "stop_sequence": None},
                  "usage": {"output_tokens": count}}, "message_delta"),
            _sse({"type": "message_stop"}, "message_stop"),
        ]

    def error(self) -> bytes:
        return _sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error")


class GeminiWire(Wire):
    _REASONS = {"stop": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}

    def __init__(self, model: str):
        self.model = model

    def _chunk(self, parts: list[dict], finish: str | None = None, usage: dict | None = None) -> bytes:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": self.model}
        if usage:
            payload["usageMetadata"] = usage
        return _sse(payload, crlf=True)  # Gemini ends its SSE lines with CRLF

    def text(self, token: str) -> bytes:
        return self._chunk([{"text": token}])

    def reasoning(self, token: str) -> bytes:
        return self._chunk([{"text": token, "thought": True}])

    def finish(self, reason: str, count: int) -> list[bytes]:
        usage = {"promptTokenCount": 17, "candidatesTokenCount": count, "totalTokenCount": 17 + count}
        return [self._chunk([{"text": ""}], self._REASONS[reason], usage)]

    def error(self) -> bytes:
        return _sse({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}, crlf=True)
