"""Showing the core's `Reply` in Slack: text, leaderboard blocks, chart image, attached file.

Slash-command answers go through the command's `response_url` (works in any channel, even one
the bot is not in); answers to events go through the Web API. Private replies are ephemeral.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from arenabot.render import Leaderboard
from arenabot.replies import Reply

from .board import leaderboard_blocks, leaderboard_fallback
from .layout import message_payloads

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]


async def _chart_png(board: Leaderboard) -> bytes | None:
    """The leaderboard chart; None when it cannot be drawn (the table goes alone)."""
    from arenabot.chart import board_png

    # Drawing takes a while (seconds on first use): keep it off the event loop.
    return await asyncio.to_thread(board_png, board)


class ReplySender:
    def __init__(self, client: AsyncWebClient):
        self._client = client

    async def send(
        self,
        reply: Reply,
        *,
        channel: str,
        user: str,
        thread_ts: str | None = None,
        respond: Respond | None = None,
    ) -> None:
        private = bool(reply.private)
        board: Leaderboard | None = reply.board
        if board is not None:
            payloads = [{"blocks": leaderboard_blocks(board), "text": leaderboard_fallback(board)}]
        elif reply.text:
            payloads = message_payloads(reply.text)
        else:
            payloads = []
        for payload in payloads:
            await self._send_payload(payload, private, channel, user, thread_ts, respond)
        if board is not None:
            png = await _chart_png(board)
            if png:
                await self._upload(png, "leaderboard.png", board.title, private, channel, user, thread_ts)
        if reply.file:
            name, data = reply.file
            await self._upload(data, name, name, private, channel, user, thread_ts)

    async def _send_payload(
        self, payload: dict[str, Any], private: bool, channel: str, user: str, thread_ts: str | None, respond: Respond | None
    ) -> None:
        if respond is not None:
            await respond(response_type="ephemeral" if private else "in_channel", replace_original=False, **payload)
        elif private:
            await self._client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **payload)
        else:
            await self._client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)

    async def _upload(
        self, data: bytes, filename: str, title: str, private: bool, channel: str, user: str, thread_ts: str | None
    ) -> None:
        try:
            target, target_thread = channel, thread_ts
            if private:
                # An ephemeral message cannot carry a file: a private file goes to a direct message.
                target = (await self._client.conversations_open(users=user))["channel"]["id"]
                target_thread = None
            await self._client.files_upload_v2(
                channel=target, thread_ts=target_thread, content=bytes(data), filename=filename, title=title
            )
        except SlackApiError as exc:
            # Typically not_in_channel: the bot must be invited to upload there; the text was sent.
            error = exc.response.get("error")
            log.warning("uploading %s failed: %s", filename, error)
            with contextlib.suppress(SlackApiError):
                await self._client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    thread_ts=thread_ts,
                    text=f"I could not upload {filename} ({error}). Invite me to this channel and try again.",
                )
