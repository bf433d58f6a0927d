"""A local OpenAI-compatible moderation API (`POST /v1/moderations`) with faults, on 127.0.0.1.

Wire format as in OpenAI's API reference: the request is `{"input": str | [str], "model"?: str}`;
the answer `{"id", "model", "results": [{"flagged", "categories", "category_scores"}]}`, one result
per input, every category present with a boolean and a score.
"""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
    "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence",
    "violence/graphic",
)


@dataclass
class Recorded:
    headers: dict[str, str]
    body: Any


@dataclass
class FakeModeration:
    # A text containing one of these words (any case) is flagged in the mapped category.
    flag_words: dict[str, str] = field(default_factory=lambda: {"kaboom": "violence", "meanie": "harassment"})
    # None: answer; "timeout": never answer in time; "500"/"401": that status; "garbage": not JSON;
    # "shape": JSON without `results`; "count": one result too few; "drop": close the connection.
    fault: str | None = None
    allow: set[str] = field(default_factory=set)  # texts never flagged (e.g. the prompt, to flag only replies)
    require_key: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/moderations", self._moderate)
        self._runner = web.AppRunner(app, access_log=None)
        self._released = asyncio.Event()

    async def start(self) -> FakeModeration:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    async def stop(self) -> None:
        self._released.set()
        await self._runner.cleanup()

    def inputs(self) -> list[str]:
        """Every text the bot asked about, in order."""
        texts: list[str] = []
        for request in self.requests:
            given = request.body.get("input")
            texts += given if isinstance(given, list) else [given]
        return texts

    def verdict(self, text: str) -> dict[str, Any]:
        hits = {category for word, category in self.flag_words.items() if word in text.lower() and text not in self.allow}
        return {
            "flagged": bool(hits),
            "categories": {c: c in hits for c in CATEGORIES},
            "category_scores": {c: (0.93 if c in hits else 0.0004) for c in CATEGORIES},
        }

    async def _moderate(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(Recorded(dict(request.headers), body))
        if self.require_key is not None and request.headers.get("Authorization") != f"Bearer {self.require_key}":
            return web.json_response({"error": {"message": "Incorrect API key provided: sk-wr***ng"}}, status=401)
        if self.fault == "timeout":
            await self._released.wait()  # until the test stops the server
        if self.fault == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if self.fault in ("500", "401"):
            return web.json_response({"error": {"message": "The server had an error"}}, status=int(self.fault))
        if self.fault == "garbage":
            return web.Response(text="<html>upstream error</html>", content_type="text/html")
        if self.fault == "shape":
            return web.json_response({"error": None, "data": []})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        results = [self.verdict(t) for t in texts]
        if self.fault == "count":
            results = results[:-1]
        return web.json_response({"id": "modr-1", "model": body.get("model", "omni-moderation-latest"), "results": results})


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the connection is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
