"""What the core needs from a chat platform. Each adapter implements `ChatPlatform`.

Message and thread refs are opaque strings the adapter chooses (e.g. "channel/message" on
Discord, "channel/ts" on Slack); the core stores them and hands them back. The adapter owns the
platform's limits: splitting long text without breaking code blocks, edit throttling, rate-limit
backoff, and drawing a `Ballot` as its own reaction emoji or buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from arenabot.ballot import Ballot
from arenabot.replies import Reply

__all__ = ["Ballot", "ChatPlatform", "ReplyStream", "ThreadRefs"]


@dataclass(frozen=True)
class ThreadRefs:
    thread_ref: str  # where the battle's messages go
    header_ref: str  # the header message, edited on reveal


class ReplyStream(Protocol):
    """One model's reply being written into the thread."""

    async def update(self, text: str) -> None:
        """The full text so far. The adapter may skip updates to stay under rate limits."""

    async def finish(self, text: str) -> None:
        """The final text; always shown (split over several messages if too long)."""


class ChatPlatform(Protocol):
    name: str  # "discord" | "slack" | "console" | ...

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:
        """Create the battle's thread with its header message."""

    async def start_reply(self, thread_ref: str, label: str) -> ReplyStream:
        """Post a placeholder for one side's reply ("Model A") and return a stream into it."""

    async def post(self, thread_ref: str, text: str) -> str:
        """Post a plain message in the thread; returns its ref."""

    async def post_ballot(self, thread_ref: str, ballot: Ballot) -> str:
        """Post the voting message drawn for `ballot.mode`; returns its ref. Buttons come with the
        message (their ids carry the battle, so a click needs no ref); reactions do not yet: the
        core stores the ref first, so a vote can never arrive for a ballot it does not know."""

    async def open_voting(self, message_ref: str, ballot: Ballot) -> None:
        """Called once the ballot's ref is stored: add the vote reactions (reactions mode);
        nothing to do for buttons."""

    async def edit(self, message_ref: str, text: str) -> None:
        """Replace a message's text (the header on reveal)."""

    async def notify(self, user_ref: str, thread_ref: str, text: str) -> None:
        """Tell one user something privately (DM or ephemeral). May fail; the core logs and goes on."""

    async def post_reply(self, channel_ref: str, reply: Reply) -> None:
        """Post a public `Reply` (text, and its file or board chart) in a channel, not in answer
        to anyone: scheduled posts such as a published board."""

    async def check_access(self, channel_ref: str) -> list[str]:
        """What the bot lacks to run battles in this channel (permissions, scopes, membership), in
        words a moderator can act on; empty when nothing is missing (`/arena doctor`)."""
