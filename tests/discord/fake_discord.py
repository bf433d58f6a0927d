"""A small fake of Discord for tests: the REST routes discord.py uses and a real gateway websocket.

The gateway speaks the actual protocol (HELLO, IDENTIFY, READY, heartbeat/ACK, RESUME with replay of
missed dispatches by sequence number, RECONNECT, INVALID_SESSION) with zlib-stream compression
as discord.py requests it. REST answers carry the rate-limit headers Discord sends, and any route
can be told to answer 429 a few times. Given `limits`, it enforces Discord's rate limits like
Discord: per-route buckets per top-level resource (fixed windows announced in X-RateLimit-*
headers) and the global limit, answering 429 and counting each as a violation. Everything the
bot does is recorded for assertions.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from tests.support.windows import busiest

TOKEN = "fake-bot-token"
GUILD_ID = 1_100_000_000_000_000_000
APPLICATION_ID = 1_200_000_000_000_000_000
BOT_ID = APPLICATION_ID

# Intents bits (Discord gateway docs).
GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = (1 << 6) | (1 << 10) | (1 << 11) | (1 << 16) | (1 << 38)  # add reactions, view, send, history, send in threads

_BODY = web.RequestKey("body", object)
_OP_DISPATCH, _OP_HEARTBEAT, _OP_IDENTIFY, _OP_RESUME = 0, 1, 2, 6
_OP_RECONNECT, _OP_INVALID_SESSION, _OP_HELLO, _OP_HEARTBEAT_ACK = 7, 9, 10, 11


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json", no charset: discord.py compares the header verbatim.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={**(headers or {}), "Content-Type": "application/json"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass
class Request:
    method: str
    path: str
    body: Any
    at: float = 0.0  # event-loop time the request arrived


@dataclass(frozen=True)
class Bucket:
    """One per-route limit: `calls` per `period` seconds per top-level resource (regex group 1)."""

    name: str
    method: str
    pattern: str
    calls: int
    period: float


_MESSAGES = r"^/channels/(\d+)/messages(?:/\d+)?$"
_REACTIONS = r"^/channels/(\d+)/messages/\d+/reactions/.+$"


@dataclass(frozen=True)
class RateLimits:
    """Discord's limits as its headers state them for these routes (docs.discord.com/developers/
    topics/rate-limits; 50 requests/s global: support-dev.discord.com article 6223003921559)."""

    global_calls: int = 50
    global_period: float = 1.0
    buckets: tuple[Bucket, ...] = (
        Bucket("messages", "POST", _MESSAGES, 5, 5.0),
        Bucket("messages", "PATCH", _MESSAGES, 5, 5.0),
        Bucket("messages", "DELETE", _MESSAGES, 5, 5.0),
        Bucket("reactions", "PUT", _REACTIONS, 1, 0.25),
        Bucket("reactions", "DELETE", _REACTIONS, 1, 0.25),
        Bucket("threads", "POST", r"^/channels/(\d+)/threads$", 5, 5.0),
    )

    def faster(self, factor: float) -> "RateLimits":
        return RateLimits(
            self.global_calls, self.global_period / factor,
            tuple(Bucket(b.name, b.method, b.pattern, b.calls, b.period / factor) for b in self.buckets),
        )


@dataclass
class _FixedWindow:
    reset_at: float = 0.0
    remaining: int = 0


@dataclass
class Session:
    """One gateway session: its sequence counter and every dispatch, for RESUME replays."""

    id: str
    shard: list[int]
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    compressor: Any = None
    replay_overlap: int = 0  # test knob: on the next RESUME also re-send this many delivered events


class FakeDiscord:
    def __init__(self, *, shard_count: int = 1, limits: RateLimits | None = None) -> None:
        self.shard_count = shard_count
        self.limits = limits
        self.violations: list[tuple[str, Request]] = []  # (bucket or "global", request) answered 429
        self._windows: dict[tuple[str, str], _FixedWindow] = {}
        self._global_log: deque[float] = deque()
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self.requests: list[Request] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self.dm_closed: set[int] = set()
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_puts: list[int | None] = []
        # Top-level command name -> {role or user id: allowed}: what a server owner sets in
        # Server Settings > Integrations; it overrides the command's default_member_permissions.
        self.command_overrides: dict[str, dict[int, bool]] = {}
        self.interactions: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        self.resumes = 0
        self.rate_limited: list[Request] = []
        self._rate_limits: list[list[Any]] = []  # [method, path regex, remaining count, retry_after]
        self._forbidden: list[tuple[str, re.Pattern[str], int]] = []  # (method, path regex, Discord error code)
        self._connected = asyncio.Condition()
        self._resumes_open = asyncio.Event()
        self._resumes_open.set()
        self.roles: list[dict[str, Any]] = [
            self._role(GUILD_ID, "@everyone", EVERYONE_PERMISSIONS, 0),
        ]
        self.add_user(BOT_ID, "arenabot", bot=True)
        self.channel_id = self.add_text_channel("arena")
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ world building
    @staticmethod
    def _role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
        return {
            "id": str(role_id), "name": name, "permissions": str(permissions), "position": position,
            "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0,
        }

    def next_id(self) -> int:
        return next(self._ids)

    def add_role(self, name: str, permissions: int = 0) -> int:
        role_id = self.next_id()
        self.roles.append(self._role(role_id, name, permissions, len(self.roles)))
        return role_id

    def add_user(self, user_id: int | None = None, name: str = "member", *, bot: bool = False, roles: list[int] | None = None) -> int:
        user_id = user_id or self.next_id()
        self.users[user_id] = {
            "id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot, "public_flags": 0,
        }
        self.members[user_id] = {
            "user": self.users[user_id], "roles": [str(r) for r in roles or []], "joined_at": _now(),
            "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None, "pending": False,
            "premium_since": None, "communication_disabled_until": None,
        }
        return user_id

    def give_role(self, user_id: int, role_id: int) -> None:
        """Before the bot connects (GUILD_CREATE carries it); REST checks see it at once."""
        self.members[user_id]["roles"].append(str(role_id))

    def take_role(self, user_id: int, role_id: int) -> None:
        self.members[user_id]["roles"].remove(str(role_id))

    def add_text_channel(self, name: str) -> int:
        channel_id = self.next_id()
        self.channels[channel_id] = {
            "id": str(channel_id), "type": 0, "guild_id": str(GUILD_ID), "name": name, "position": len(self.channels),
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "rate_limit_per_user": 0, "last_message_id": None, "flags": 0,
        }
        return channel_id

    def member_permissions(self, user_id: int) -> int:
        value = 0
        for role in self.roles:
            if role["id"] == str(GUILD_ID) or role["id"] in self.members[user_id]["roles"]:
                value |= int(role["permissions"])
        return value

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(GUILD_ID), "name": "Arena Test Guild", "owner_id": str(self.next_id()), "icon": None,
            "roles": self.roles, "emojis": [], "stickers": [], "features": [], "member_count": len(self.members),
            "members": [self.members[BOT_ID]], "channels": [c for c in self.channels.values() if c["type"] == 0],
            "threads": [c for c in self.channels.values() if c["type"] == 11 and not c["thread_metadata"]["archived"]],
            "voice_states": [], "presences": [], "large": False, "unavailable": False, "joined_at": _now(),
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0,
            "system_channel_flags": 0, "afk_timeout": 300, "guild_scheduled_events": [], "stage_instances": [],
            "soundboard_sounds": [],
        }

    # ------------------------------------------------------------------ server lifecycle
    async def start(self) -> str:
        app = web.Application(middlewares=[self._record_and_limit])
        app.router.add_get("/gateway", self._gateway)
        api = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/gateway", self._get_gateway_bot),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "/interactions/{id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("PATCH", "/webhooks/{app}/{token}/messages/@original", self._edit_original),
            ("DELETE", "/webhooks/{app}/{token}/messages/@original", self._delete_original),
            ("GET", "/channels/{channel}", self._get_channel),
            ("POST", "/channels/{channel}/threads", self._create_thread),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message),
            ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self._add_own_reaction),
            ("DELETE", "/channels/{channel}/messages/{message}/reactions/{emoji}/{user}", self._remove_user_reaction),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/users/{user}", self._get_user),
        ]
        for method, path, handler in api:
            app.router.add_route(method, "/api/v10" + path, handler)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.api_base

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ REST plumbing
    def rate_limit(self, method: str, path_pattern: str, times: int = 1, retry_after: float = 0.2) -> None:
        """Answer the next `times` matching requests with a 429 like Discord's (headers and body)."""
        self._rate_limits.append([method, re.compile(path_pattern), times, retry_after])

    def forbid(self, method: str, path_pattern: str, code: int = 50013) -> None:
        """Answer matching requests with Discord's 403 (50013 Missing Permissions, 50001 Missing Access)."""
        self._forbidden.append((method, re.compile(path_pattern), code))

    @web.middleware
    async def _record_and_limit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body = await self._body(request)
        entry = Request(request.method, request.path.removeprefix("/api/v10"), body, asyncio.get_running_loop().time())
        self.requests.append(entry)
        for limit in self._rate_limits:
            method, pattern, remaining, retry_after = limit
            if remaining > 0 and method == request.method and pattern.search(entry.path):
                limit[2] -= 1
                self.rate_limited.append(entry)
                return _json(
                    {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                    status=429,
                    headers={
                        "Via": "1.1 google", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(retry_after), "X-RateLimit-Bucket": "fake-bucket",
                        "X-RateLimit-Scope": "user", "Retry-After": str(max(1, round(retry_after))),
                    },
                )
        headers = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49", "X-RateLimit-Reset-After": "1.0"}
        if self.limits is not None:
            refused, headers = self._enforce(entry)
            if refused is not None:
                return refused
        for method, pattern, code in self._forbidden:
            if method == request.method and pattern.search(entry.path):
                message = "Missing Access" if code == 50001 else "Missing Permissions"
                return _json({"message": message, "code": code}, status=403)
        if request.path.startswith("/api/v10/") and not request.path.startswith(("/api/v10/interactions", "/api/v10/webhooks")):
            if request.headers.get("Authorization") != f"Bot {TOKEN}":
                return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        request[_BODY] = body
        response = await handler(request)
        response.headers.update({"Via": "1.1 google", **headers})
        return response

    def _enforce(self, entry: Request) -> tuple[web.Response | None, dict[str, str]]:
        """Count the request against the global limit and its route's bucket; a 429 when over."""
        assert self.limits is not None
        limits, now = self.limits, entry.at
        if not entry.path.startswith(("/interactions/", "/webhooks/")):  # interactions: not global
            while self._global_log and self._global_log[0] <= now - limits.global_period:
                self._global_log.popleft()
            if len(self._global_log) >= limits.global_calls:
                retry = self._global_log[0] + limits.global_period - now
                self.violations.append(("global", entry))
                return self._too_many(retry, "global", limits.global_calls, scope="global"), {}
            self._global_log.append(now)
        for bucket in limits.buckets:
            match = re.match(bucket.pattern, entry.path) if bucket.method == entry.method else None
            if match is None:
                continue
            window = self._windows.setdefault((bucket.name, match.group(1)), _FixedWindow())
            if now >= window.reset_at:  # Discord's buckets refill all at once when they reset
                window.reset_at, window.remaining = now + bucket.period, bucket.calls
            if window.remaining <= 0:
                self.violations.append((bucket.name, entry))
                return self._too_many(window.reset_at - now, bucket.name, bucket.calls, scope="user"), {}
            window.remaining -= 1
            return None, {
                "X-RateLimit-Limit": str(bucket.calls), "X-RateLimit-Remaining": str(window.remaining),
                "X-RateLimit-Reset-After": f"{window.reset_at - now:.3f}", "X-RateLimit-Bucket": f"fake-{bucket.name}",
            }
        return None, {}

    def usage(self) -> list[tuple[str, int, int, int, float]]:
        """Per limit: (what, calls answered, most answered in any window of its period, limit, period).
        Per-resource buckets report their busiest resource."""
        assert self.limits is not None
        refused = {id(entry) for _, entry in self.violations}
        served = [r for r in self.requests if id(r) not in refused and id(r) not in {id(x) for x in self.rate_limited}]
        global_times = [r.at for r in served if not r.path.startswith(("/interactions/", "/webhooks/"))]
        rows = [("global", len(global_times), busiest(global_times, self.limits.global_period), self.limits.global_calls, self.limits.global_period)]
        for name in dict.fromkeys(b.name for b in self.limits.buckets):
            buckets = [b for b in self.limits.buckets if b.name == name]
            per_resource: dict[str, list[float]] = {}
            for r in served:
                for b in buckets:
                    match = re.match(b.pattern, r.path) if b.method == r.method else None
                    if match:
                        per_resource.setdefault(match.group(1), []).append(r.at)
                        break
            peak = max((busiest(times, buckets[0].period) for times in per_resource.values()), default=0)
            calls = sum(len(times) for times in per_resource.values())
            rows.append((f"{name} (per channel)", calls, peak, buckets[0].calls, buckets[0].period))
        return rows

    @staticmethod
    def _too_many(retry_after: float, bucket: str, calls: int, *, scope: str) -> web.Response:
        headers = {
            "Via": "1.1 google", "X-RateLimit-Limit": str(calls), "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}", "X-RateLimit-Bucket": f"fake-{bucket}",
            "X-RateLimit-Scope": scope, "Retry-After": str(max(1, round(retry_after))),
        }
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": scope == "global"}
        return _json(body, status=429, headers=headers)

    @staticmethod
    async def _body(request: web.Request) -> Any:
        if request.content_type == "application/json":
            return await request.json()
        if request.content_type.startswith("multipart/"):
            payload: dict[str, Any] = {}
            files: list[tuple[str, bytes]] = []
            async for part in await request.multipart():
                if part.name == "payload_json":
                    payload.update(json.loads(await part.text()))
                else:
                    files.append((part.filename or "", bytes(await part.read())))
            payload["__files__"] = files
            return payload
        return None

    # ------------------------------------------------------------------ REST handlers
    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(self.users[BOT_ID])

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json({
            "id": str(APPLICATION_ID), "name": "arenabot", "icon": None, "description": "", "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
            "owner": self.users[BOT_ID], "team": None, "summary": "",
        })

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return _json({
            "url": self.gateway_url, "shards": self.shard_count,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        })

    async def _get_commands(self, request: web.Request) -> web.Response:
        guild = request.match_info.get("guild")
        return _json(self.commands.get(int(guild) if guild else None, []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        guild = request.match_info.get("guild")
        key = int(guild) if guild else None
        stored = []
        for command in request[_BODY]:
            command = dict(command, id=str(self.next_id()), application_id=str(APPLICATION_ID), version="1")
            if key:
                command["guild_id"] = str(key)
            stored.append(command)
        self.commands[key] = stored
        self.command_puts.append(key)
        return _json(stored)

    def _message(self, channel_id: int, author_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message_id = self.next_id()
        message = {
            "id": str(message_id), "channel_id": str(channel_id), "author": self.users[author_id],
            "content": body.get("content") or "", "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "embeds": body.get("embeds") or [],
            "attachments": self._attachments(body),
            "pinned": False, "type": 0, "flags": body.get("flags") or 0, "components": body.get("components") or [],
            "reactions": [], "edits": [], **extra,
        }
        self.messages[message_id] = message
        return message

    def _attachments(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"id": str(self.next_id()), "filename": name, "size": len(data), "url": f"{self.base_url}/a/{name}",
             "proxy_url": f"{self.base_url}/a/{name}", "data": data}
            for name, data in body.get("__files__", [])
        ]

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if k not in ("edits", "reactions", "deleted")}
        out["attachments"] = [{k: v for k, v in a.items() if k != "data"} for a in message["attachments"]]
        return out

    def _interaction(self, request: web.Request) -> dict[str, Any]:
        return self.interactions[request.match_info["token"]]

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        state = self._interaction(request)
        body = request[_BODY]
        if state["responded"]:
            state["refused_callbacks"] = state.get("refused_callbacks", 0) + 1
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        state["responded"] = True
        kind = body["type"]
        data = body.get("data") or {}
        state["callback"] = body
        ephemeral = bool(int(data.get("flags") or 0) & 64)
        if kind in (6, 7):  # a component's deferred update, or an edit of the message it is on
            clicked = self.messages[int(state["payload"]["message"]["id"])]
            if kind == 7:
                clicked.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            return _json({"interaction": {"id": state["id"], "type": state["type"]}, "resource": None})
        original = self._message(state["channel_id"], BOT_ID, data, interaction_token=state["token"])
        original["loading"] = kind == 5
        state["original"] = original
        state["ephemeral"] = ephemeral
        return _json({
            "interaction": {
                "id": state["id"], "type": state.get("type", 2), "response_message_id": original["id"],
                "response_message_loading": kind == 5, "response_message_ephemeral": ephemeral,
            },
            "resource": {"type": kind, "message": self._public(original)} if kind == 4 else None,
        })

    async def _followup(self, request: web.Request) -> web.Response:
        state = self._interaction(request)
        body = request[_BODY]
        original = state.get("original")
        if original is not None and original.get("loading") and not original.get("deleted"):
            # The first follow-up after a deferral replaces the "thinking…" message.
            original.update(content=body.get("content") or "", embeds=body.get("embeds") or [], loading=False)
            original["attachments"] = self._attachments(body)
            message = original
        else:
            message = self._message(state["channel_id"], BOT_ID, body, interaction_token=state["token"])
        message["ephemeral"] = bool(int(body.get("flags") or 0) & 64) or (message is original and state["ephemeral"])
        state["followups"].append(message)
        return _json(self._public(message))

    async def _edit_original(self, request: web.Request) -> web.Response:
        original = self._interaction(request).get("original")
        if original is None or original.get("deleted"):
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        body = request[_BODY]
        original["edits"].append(body.get("content"))
        original.update({k: v for k, v in body.items() if k in ("content", "embeds")}, loading=False)
        return _json(self._public(original))

    async def _delete_original(self, request: web.Request) -> web.Response:
        original = self._interaction(request).get("original")
        if original is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        original["deleted"] = True
        return web.Response(status=204)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(int(request.match_info["channel"]))
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        return _json(channel)

    async def _create_thread(self, request: web.Request) -> web.Response:
        parent = self.channels[int(request.match_info["channel"])]
        body = request[_BODY]
        thread_id = self.next_id()
        thread = {
            "id": str(thread_id), "type": body.get("type", 11), "guild_id": str(GUILD_ID), "parent_id": parent["id"],
            "owner_id": str(BOT_ID), "name": body["name"], "last_message_id": None, "rate_limit_per_user": 0,
            "message_count": 0, "member_count": 1, "flags": 0, "total_message_sent": 0,
            "thread_metadata": {
                "archived": False, "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now(), "locked": False,
            },
        }
        self.channels[thread_id] = thread
        await self.dispatch("THREAD_CREATE", dict(thread, newly_created=True))
        return _json(thread, status=201)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        channel = self.channels.get(channel_id)
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if channel["type"] == 1 and int(channel["recipients"][0]["id"]) in self.dm_closed:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, status=403)
        guild = {"guild_id": str(GUILD_ID)} if channel["type"] != 1 else {}
        message = self._message(channel_id, BOT_ID, request[_BODY], **guild)
        if channel["type"] != 1:
            await self.dispatch("MESSAGE_CREATE", dict(self._public(message), member=self.members[BOT_ID]))
        return _json(self._public(message))

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(int(request.match_info["message"]))
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        return _json(self._public(message))

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(int(request.match_info["message"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        body = request[_BODY]
        message["edits"].append(body.get("content"))
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")}, edited_timestamp=_now())
        return _json(self._public(message))

    async def _add_own_reaction(self, request: web.Request) -> web.Response:
        emoji = unquote(request.match_info["emoji"])
        await self.react(BOT_ID, int(request.match_info["message"]), emoji)
        return web.Response(status=204)

    async def _remove_user_reaction(self, request: web.Request) -> web.Response:
        """Remove someone's reaction: needs Manage Messages (or Administrator) unless it is "@me".
        Like Discord, the removal is dispatched as MESSAGE_REACTION_REMOVE (not saying who removed it)."""
        message = self.messages.get(int(request.match_info["message"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        target = request.match_info["user"]
        user_id = BOT_ID if target == "@me" else int(target)
        if user_id != BOT_ID and not self.member_permissions(BOT_ID) & (MANAGE_MESSAGES | ADMINISTRATOR):
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        await self.react(user_id, int(message["id"]), unquote(request.match_info["emoji"]), add=False)
        return web.Response(status=204)

    def tally(self, message_id: int) -> dict[str, int]:
        """What every member sees under a message: emoji -> count."""
        counts: dict[str, int] = {}
        for emoji, _ in self.messages[message_id]["reactions"]:
            counts[emoji] = counts.get(emoji, 0) + 1
        return counts

    async def _open_dm(self, request: web.Request) -> web.Response:
        user_id = int(request[_BODY]["recipient_id"])
        existing = next((c for c in self.channels.values() if c["type"] == 1 and c["recipients"][0]["id"] == str(user_id)), None)
        if existing is None:
            channel_id = self.next_id()
            existing = {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [self.users[user_id]]}
            self.channels[channel_id] = existing
        return _json(existing)

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["user"]))
        if user is None:
            return _json({"message": "Unknown User", "code": 10013}, status=404)
        return _json(user)

    # ------------------------------------------------------------------ what members do
    async def react(self, user_id: int, message_id: int, emoji: str, *, add: bool = True) -> None:
        """A user adds or removes a reaction: the store changes and the gateway dispatches it."""
        message = self.messages[message_id]
        key = (emoji, user_id)
        if add:
            if key in message["reactions"]:
                return
            message["reactions"].append(key)
        else:
            if key not in message["reactions"]:
                return
            message["reactions"].remove(key)
        data: dict[str, Any] = {
            "user_id": str(user_id), "channel_id": message["channel_id"], "message_id": str(message_id),
            "guild_id": str(GUILD_ID), "emoji": {"id": None, "name": emoji}, "burst": False, "type": 0,
        }
        if add:
            data["member"] = self.members[user_id]
            data["message_author_id"] = message["author"]["id"]
        await self.dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", data)

    async def post_as(
        self, user_id: int, channel_id: int, content: str, *, reply_to: int | None = None, ping: bool = True
    ) -> dict[str, Any]:
        """A member writes a message (MESSAGE_CREATE, content hidden without the intent unless it
        mentions the bot). `reply_to`: a reply to that message, which mentions its author unless
        the member switched the reply's ping off, as Discord's client does."""
        extra: dict[str, Any] = {}
        if reply_to is not None:
            replied = self.messages[reply_to]
            extra = {"type": 19, "message_reference": {"message_id": str(reply_to), "channel_id": str(channel_id), "guild_id": str(GUILD_ID)},
                     "referenced_message": self._public(replied)}
        message = self._message(channel_id, user_id, {"content": content}, guild_id=str(GUILD_ID), **extra)
        if f"<@{BOT_ID}>" in content:
            message["mentions"] = [self.users[BOT_ID]]
        elif reply_to is not None and ping:
            message["mentions"] = [self.messages[reply_to]["author"]]
        payload = dict(self._public(message), member=self.members[user_id])
        await self.dispatch("MESSAGE_CREATE", payload, hide_content=True)
        return message

    def allow_command(self, name: str, role_or_user: int, allowed: bool = True) -> None:
        """The server's Integrations settings: let a role (@everyone is GUILD_ID) or a user use
        top-level command `name`, or forbid it, whatever its default_member_permissions say."""
        self.command_overrides.setdefault(name, {})[role_or_user] = allowed

    def can_use(self, user_id: int, name: str) -> bool:
        """Whether Discord shows top-level command `name` to this member, as Discord decides it:
        a user override, else any of their roles' overrides (allowed if one allows), else
        @everyone's, else default_member_permissions; Administrator sees everything."""
        registered = {c["name"]: c for key in (None, GUILD_ID) for c in self.commands.get(key, [])}
        if name not in registered:
            return False
        permissions = self.member_permissions(user_id)
        if permissions & ADMINISTRATOR:
            return True
        overrides = self.command_overrides.get(name, {})
        if user_id in overrides:
            return overrides[user_id]
        by_role = [overrides[int(r)] for r in self.members[user_id]["roles"] if int(r) in overrides]
        if by_role:
            return any(by_role)
        if GUILD_ID in overrides:
            return overrides[GUILD_ID]
        required = registered[name].get("default_member_permissions")
        return required is None or permissions & int(required) == int(required)

    def visible_commands(self, user_id: int) -> set[str]:
        """The top-level commands this member finds in Discord's command list."""
        return {c["name"] for key in (None, GUILD_ID) for c in self.commands.get(key, []) if self.can_use(user_id, c["name"])}

    async def invoke(self, user_id: int, command: list[str], options: dict[str, Any] | None = None, *, channel_id: int | None = None) -> dict[str, Any]:
        """A member runs a slash command, e.g. invoke(u, ["arena", "battle"], {"prompt": "hi"}).
        Like Discord, only a registered command the member may see can be run (CommandHidden)."""
        channel_id = channel_id or self.channel_id
        if self.channels[channel_id]["type"] != 1 and not self.can_use(user_id, command[0]):
            raise CommandHidden(f"user {user_id} cannot see /{command[0]} (not registered, or default_member_permissions)")
        leaf = [{"name": k, "type": _option_type(v), "value": str(v) if isinstance(v, UserOption) else v} for k, v in (options or {}).items()]
        mentioned = [int(v) for v in (options or {}).values() if isinstance(v, UserOption)]
        for depth, name in enumerate(reversed(command[1:])):
            leaf = [{"name": name, "type": 1 if depth == 0 else 2, "options": leaf}]  # subcommand, then its groups
        data: dict[str, Any] = {"id": str(self.next_id()), "name": command[0], "type": 1, "options": leaf, "guild_id": str(GUILD_ID)}
        if mentioned:  # Discord sends the users and members an option names alongside
            data["resolved"] = {
                "users": {str(u): self.users[u] for u in mentioned},
                "members": {str(u): {k: v for k, v in self.members[u].items() if k != "user"} | {"permissions": str(self.member_permissions(u))} for u in mentioned},
            }
        return await self._interact(user_id, channel_id, 2, data)

    async def click(self, user_id: int, message_id: int, custom_id: str) -> dict[str, Any]:
        """A member clicks a button: a component interaction (type 3) carrying the message it is on.
        Like Discord, only a button the message actually has can be clicked."""
        message = self.messages[message_id]
        buttons = [c for row in message["components"] for c in row.get("components", []) if c.get("type") == 2]
        if not any(b.get("custom_id") == custom_id for b in buttons):
            raise AssertionError(f"message {message_id} has no button {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user_id, int(message["channel_id"]), 3, data, message=self._public(message))

    async def replay(self, state: dict[str, Any]) -> None:
        """Deliver an interaction again, same id and token (as a gateway RESUME replay can)."""
        await self.dispatch("INTERACTION_CREATE", state["payload"])

    async def _interact(self, user_id: int, channel_id: int, kind: int, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
        token = f"itoken-{uuid.uuid4().hex}"
        interaction_id = str(self.next_id())
        member = dict(self.members[user_id], permissions=str(self.member_permissions(user_id)))
        payload = {
            "id": interaction_id, "application_id": str(APPLICATION_ID), "type": kind, "data": data, "token": token,
            "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(channel_id), "channel": self.channels[channel_id],
            "member": member, "app_permissions": str((1 << 41) - 1), "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024, **extra,
        }
        if self.channels[channel_id]["type"] == 1:  # in a DM: a user, no guild, no member
            for key in ("guild_id", "member", "guild_locale"):
                payload.pop(key)
            payload.update(user=self.users[user_id], context=1, authorizing_integration_owners={"1": str(user_id)})
        state = {"id": interaction_id, "token": token, "channel_id": channel_id, "responded": False, "followups": [],
                 "user_id": user_id, "type": kind, "payload": payload}
        self.interactions[token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return state

    # ------------------------------------------------------------------ gateway
    def _shard_of_guild(self) -> int:
        return (GUILD_ID >> 22) % self.shard_count

    async def dispatch(self, event: str, data: dict[str, Any], *, hide_content: bool = False) -> None:
        """Send a dispatch to every session of the guild's shard; held for RESUME while disconnected."""
        for session in list(self.sessions.values()):
            if session.shard[0] != self._shard_of_guild() or session.id not in self._live_sessions():
                continue
            payload = data
            mentioned = any(m["id"] == str(BOT_ID) for m in data.get("mentions", []))
            if hide_content and not (session.intents & MESSAGE_CONTENT) and not mentioned:
                payload = dict(data, content="")
            if event == "MESSAGE_CREATE" and not session.intents & GUILD_MESSAGES:
                continue
            await self._send_dispatch(session, event, payload)

    def _live_sessions(self) -> set[str]:
        # Only the newest session per shard receives events (older ones were replaced by IDENTIFY).
        newest: dict[int, str] = {}
        for session in self.sessions.values():
            newest[session.shard[0]] = session.id
        return set(newest.values())

    async def _send_dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": _OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        if session.ws is not None and not session.ws.closed:
            await self._send(session, frame)

    async def _send(self, session: Session, frame: dict[str, Any]) -> None:
        assert session.ws is not None
        raw = json.dumps(frame).encode()
        if session.compressor is not None:
            await session.ws.send_bytes(session.compressor.compress(raw) + session.compressor.flush(zlib.Z_SYNC_FLUSH))
        else:
            await session.ws.send_str(raw.decode())

    async def wait_for_session(self, *, identifies: int = 1, resumes: int = 0, timeout: float = 15) -> None:
        async with self._connected:
            await asyncio.wait_for(
                self._connected.wait_for(lambda: self.identifies >= identifies and self.resumes >= resumes), timeout
            )

    def current_session(self) -> Session:
        return self.sessions[next(iter(self._live_sessions()))]

    def hold_resumes(self) -> None:
        """Keep RESUMEs waiting (events meanwhile pile up for the replay) until `release_resumes`."""
        self._resumes_open.clear()

    def release_resumes(self) -> None:
        self._resumes_open.set()

    async def drop_connection(self, *, replay_overlap: int = 0, reconnect_op: bool = False) -> None:
        """Break the gateway link. The client RESUMEs; `replay_overlap` re-sends that many already-seen events."""
        session = self.current_session()
        session.replay_overlap = replay_overlap
        ws = session.ws
        if ws is not None and reconnect_op:
            await self._send(session, {"op": _OP_RECONNECT, "d": None})
        session.ws = None
        if ws is not None:
            await ws.close(code=4000, message=b"fake reconnect")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            await ws.close(code=4000, message=f"fake gateway supports zlib-stream or none, not {compress}".encode())
            return ws
        compressor = zlib.compressobj() if compress else None
        temp = Session(id="", shard=[0, 1], intents=0, ws=ws, compressor=compressor)
        await self._send(temp, {"op": _OP_HELLO, "d": {"heartbeat_interval": 41250}})
        session: Session | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            op, data = frame.get("op"), frame.get("d")
            if op == _OP_HEARTBEAT:
                await self._send(temp, {"op": _OP_HEARTBEAT_ACK})
            elif op == _OP_IDENTIFY:
                if data.get("token") != TOKEN:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                shard = data.get("shard") or [0, 1]
                session = Session(id=uuid.uuid4().hex, shard=shard, intents=int(data.get("intents", 0)), ws=ws, compressor=compressor)
                self.sessions[session.id] = session
                await self._send_dispatch(session, "READY", {
                    "v": 10, "user": self.users[BOT_ID], "guilds": [{"id": str(GUILD_ID), "unavailable": True}]
                    if shard[0] == self._shard_of_guild() else [], "session_id": session.id,
                    "resume_gateway_url": self.gateway_url, "shard": shard,
                    "application": {"id": str(APPLICATION_ID), "flags": 0},
                })
                if shard[0] == self._shard_of_guild():
                    await self._send_dispatch(session, "GUILD_CREATE", self.guild_payload())
                await self._notify(identify=True)
            elif op == _OP_RESUME:
                await self._resumes_open.wait()
                known = self.sessions.get(data.get("session_id"))
                if known is None or data.get("token") != TOKEN:
                    await self._send(temp, {"op": _OP_INVALID_SESSION, "d": False})
                    continue
                session = known
                session.ws, session.compressor = ws, compressor
                after = int(data.get("seq") or 0) - session.replay_overlap
                session.replay_overlap = 0
                for missed in [f for f in session.history if f["s"] > after]:
                    await self._send(session, missed)
                await self._send_dispatch(session, "RESUMED", {})
                await self._notify(resume=True)
        if session is not None and session.ws is ws:
            session.ws = None
        return ws

    async def _notify(self, identify: bool = False, resume: bool = False) -> None:
        async with self._connected:
            self.identifies += identify
            self.resumes += resume
            self._connected.notify_all()


class CommandHidden(AssertionError):
    """A test ran a command Discord would not show that member: no such command, or its
    default_member_permissions (and no server override) leave them out."""


class UserOption(int):
    """A slash-command option value that names a user (option type 6)."""


def _option_type(value: Any) -> int:
    if isinstance(value, UserOption):
        return 6
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3
