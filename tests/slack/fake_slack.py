"""A local stand-in for Slack on 127.0.0.1: the Web API, response URLs, file uploads, Socket Mode.

It records every call, keeps the current state of each posted message, can answer with 429 +
Retry-After a given number of times, enforces Slack's published rate limits when given `limits`
(answering `ratelimited` and counting each refusal as a violation), and replays Socket Mode envelopes over a websocket whose URL
`apps.connections.open` hands out, collecting the client's acks.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import math
import re
from collections import deque
from pathlib import Path
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.windows import busiest

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack" / "manifest.yaml"
# The bot scopes the manifest grants: what an app installed from it has.
MANIFEST_SCOPES = re.findall(r"^\s+- ([a-z_.:]+) #", MANIFEST.read_text(encoding="utf-8").split("bot:", 1)[1].split("settings:")[0], re.M)

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"


@dataclass(frozen=True)
class RateLimits:
    """Slack's limits, per method per workspace (api.slack.com/apis/rate-limits): Tier 2 20/min,
    Tier 3 50/min, Tier 4 100/min; chat.postMessage 1/s per channel. No bursts: the floor."""

    methods: dict[str, tuple[int, float]] = field(default_factory=lambda: {
        "chat.update": (50, 60.0), "chat.delete": (50, 60.0), "reactions.add": (50, 60.0),
        "conversations.join": (50, 60.0), "conversations.open": (50, 60.0), "chat.postEphemeral": (100, 60.0),
        "users.info": (100, 60.0), "usergroups.users.list": (20, 60.0),
    })
    post_per_channel: tuple[int, float] = (1, 1.0)

    def faster(self, factor: float) -> "RateLimits":
        return RateLimits({m: (n, p / factor) for m, (n, p) in self.methods.items()},
                          (self.post_per_channel[0], self.post_per_channel[1] / factor))


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=lambda: asyncio.get_running_loop().time())  # event-loop time it arrived


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    edits: list[str] = field(default_factory=list)  # the section texts after each chat.update

    @property
    def body(self) -> str:
        """What a reader sees: the section texts joined, or the text when there are no blocks."""
        sections = [b["text"]["text"] for b in self.blocks if b.get("type") == "section"]
        return "\n".join(sections) if sections else self.text


def _parse_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    # Form-encoded calls carry blocks and file lists as JSON strings.
    for key in ("blocks", "files", "attachments"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


class FakeSlack:
    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits
        self.violations: list[Call] = []  # calls refused for going over `limits`
        self._windows: dict[str, deque[float]] = {}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.reactions: list[tuple[str, str, str]] = []  # (channel, ts, name) added by the bot
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # payloads posted to response_url
        self.responses_to: dict[str, list[dict[str, Any]]] = {}  # the same, by response_url name
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.acks: list[dict[str, Any]] = []  # Socket Mode acks from the client
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, str] = {}
        self.private_channels: set[str] = set()  # conversations.join refuses these; posting needs an invite
        self.member_of: set[str] = set()  # channels the bot joined or was invited to
        self.scopes: list[str] = list(MANIFEST_SCOPES)  # sent in x-oauth-scopes, like Slack does
        self._ts = itertools.count(1)
        self._envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/link", self._socket_mode)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.url}/respond/{name}"

    # -- test controls ---------------------------------------------------------------------
    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._rate_limits[method] = [times, retry_after]

    def fail(self, method: str, error: str) -> None:
        """Answer every call of `method` with ok=false and this Slack error code."""
        self._failures[method] = error

    def add_user(self, user_id: str, **flags: Any) -> None:
        self.users[user_id] = {"id": user_id, "name": user_id.lower(), "profile": {"display_name": user_id.lower()}, **flags}

    def block_actions(self, user: str, channel: str, ts: str, action_id: str, *, response_url: str | None = None) -> dict[str, Any]:
        """The `block_actions` payload Slack sends when `user` clicks the button `action_id` on a
        message. Like Slack, only a button the message actually shows can be clicked."""
        message = self.messages[(channel, ts)]
        found = [(b, e) for b in message.blocks if b.get("type") == "actions" for e in b.get("elements", []) if e.get("action_id") == action_id]
        if not found:
            raise AssertionError(f"message {channel}/{ts} has no button {action_id!r}")
        block, button = found[0]
        action_ts = self._next_ts()
        return {
            "type": "block_actions", "token": "legacy", "api_app_id": "A0APP", "trigger_id": f"{action_ts}.trigger",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "arena-test"}, "enterprise": None, "is_enterprise_install": False,
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False, "thread_ts": message.thread_ts},
            "channel": {"id": channel, "name": "arena"},
            "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "thread_ts": message.thread_ts,
                        "text": message.text, "blocks": message.blocks},
            "state": {"values": {}},
            "response_url": response_url or self.response_url(f"action-{action_ts}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": block.get("block_id", ""),
                         "text": button["text"], "value": button.get("value", ""), "action_ts": action_ts}],
        }

    def push_envelope(self, envelope: dict[str, Any]) -> None:
        self._envelopes.put_nowait(envelope)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == channel and m.thread_ts == thread_ts]

    def top_level(self, channel: str) -> list[Message]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == channel and m.thread_ts is None]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
        """Poll until `predicate()` (or the coroutine it returns) is truthy; fail with the calls seen so far."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            if loop.time() > deadline:
                seen = ", ".join(c.method for c in self.calls[-40:])
                raise AssertionError(f"timed out waiting for {what}; last calls: {seen}")
            await asyncio.sleep(0.02)

    # -- Web API ---------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        args = _parse_json_fields(args)
        limited = self._rate_limits.get(method)
        if limited and limited[0] > 0:
            limited[0] -= 1
            self.calls.append(Call(method, args, status=429))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(limited[1])})
        refused = self._over_limit(method, args)
        if refused is not None:
            self.calls.append(Call(method, args, status=429))
            self.violations.append(self.calls[-1])
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(refused)})
        self.calls.append(Call(method, args))
        if method in self._failures:
            return web.json_response({"ok": False, "error": self._failures[method]})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(args) if handler else {"ok": True}
        return web.json_response(body, headers={"x-oauth-scopes": ",".join(self.scopes)})

    def _over_limit(self, method: str, args: dict[str, Any]) -> int | None:
        """Count the call in its sliding window; the whole seconds to wait when it is over."""
        if self.limits is None:
            return None
        if method == "chat.postMessage":
            key, (calls, period) = f"{method}:{args.get('channel')}", self.limits.post_per_channel
        elif method in self.limits.methods:
            key, (calls, period) = method, self.limits.methods[method]
        else:
            return None
        now = asyncio.get_running_loop().time()
        window = self._windows.setdefault(key, deque())
        while window and window[0] <= now - period:
            window.popleft()
        if len(window) >= calls:
            return max(1, math.ceil(window[0] + period - now))
        window.append(now)
        return None

    def usage(self) -> list[tuple[str, int, int, int, float]]:
        """Per limit: (what, calls answered, most answered in any window of its period, limit, period);
        chat.postMessage reports its busiest channel."""
        assert self.limits is not None
        served = [c for c in self.calls if c.status == 200]
        rows = []
        posts: dict[str, list[float]] = {}
        for call in served:
            if call.method == "chat.postMessage":
                posts.setdefault(str(call.args.get("channel")), []).append(call.at)
        calls, period = self.limits.post_per_channel
        rows.append(("chat.postMessage (per channel)", sum(map(len, posts.values())),
                     max((busiest(t, period) for t in posts.values()), default=0), calls, period))
        for method, (calls, period) in self.limits.methods.items():
            times = [c.at for c in served if c.method == method]
            if times:
                rows.append((method, len(times), busiest(times, period), calls, period))
        return rows

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] in self.private_channels:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.member_of.add(args["channel"])
        return {"ok": True, "channel": {"id": args["channel"], "is_member": True}}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://arena-test.slack.com/", "team": "Arena Test", "user": "arenabot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] in self.private_channels and args["channel"] not in self.member_of:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        message = Message(args["channel"], ts, args.get("text", ""), args.get("blocks") or [], args.get("thread_ts") or None)
        self.messages[(message.channel, ts)] = message
        return {"ok": True, "channel": message.channel, "ts": ts, "message": {"text": message.text, "ts": ts}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((args["channel"], args["ts"]))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.text = args.get("text", message.text)
        message.blocks = args.get("blocks") or []
        message.edits.append(message.body)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        self.messages.pop((args["channel"], args["ts"]), None)
        return {"ok": True}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemerals.append(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args["channel"], args["timestamp"], args["name"])
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append(key)
        return {"ok": True}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args["user"]
        user = self.users.get(user_id) or {"id": user_id, "name": user_id.lower(), "is_admin": False, "is_bot": False}
        return {"ok": True, "user": user}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "users": self.usergroups.get(args["usergroup"], [])}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args["users"]).split(",")[0]}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):05d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in args.get("files", [])]}

    # -- response_url, uploads, Socket Mode --------------------------------------------------
    async def _respond(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.responses.append(payload)
        self.responses_to.setdefault(request.match_info["id"], []).append(payload)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['id']])}")

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}})

        async def replay() -> None:
            while True:
                await ws.send_json(await self._envelopes.get())

        sender = asyncio.create_task(replay())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(message.data))
        finally:
            sender.cancel()
        return ws
