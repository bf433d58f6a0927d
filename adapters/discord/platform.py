"""`ChatPlatform` on Discord: battle threads, streamed replies, ballots and private notes.

Refs are plain ids so they survive restarts and need no cache: a thread ref is the thread's
channel id, a message ref is "channel_id/message_id".
"""

from __future__ import annotations

import io
import logging
from typing import Final

import discord

from adapters.discord.buttons import ballot_view, withdraw_view
from adapters.discord.pacing import CoalescingEditor, EditPacer
from adapters.discord.permissions import FIX, missing_in, needs
from adapters.discord.reactions import VOTE_REACTIONS
from adapters.discord.text import MESSAGE_LIMIT, preview, split_message
from arenabot.ports import Ballot, ThreadRefs
from arenabot.replies import Reply

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
_AUTO_ARCHIVE_MINUTES: Final = 1440


def message_ref(channel_id: int, message_id: int) -> str:
    return f"{channel_id}/{message_id}"


def parse_message_ref(ref: str) -> tuple[int, int]:
    channel, _, message = ref.partition("/")
    if not channel.isdigit() or not message.isdigit():
        raise ValueError(f"not a Discord message ref (expected channel_id/message_id): {ref!r}")
    return int(channel), int(message)


class DiscordReplyStream:
    """One side's reply: previews through the shared pacer, final text split over messages."""

    def __init__(self, platform: DiscordPlatform, thread_id: int, message: discord.PartialMessage, label: str) -> None:
        self._platform = platform
        self._thread_id = thread_id
        self._message = message
        self._label = label
        self._editor = CoalescingEditor(platform.pacer, self._show_preview)

    def _body(self, text: str) -> str:
        return f"**{self._label}**\n{text}"

    async def _show_preview(self, text: str) -> None:
        await self._message.edit(content=preview(self._body(text + " ▌"), self._platform.limit))

    async def update(self, text: str) -> None:
        self._editor.submit(text)

    async def finish(self, text: str) -> None:
        await self._editor.close()
        chunks = split_message(self._body(text or "*(empty reply)*"), self._platform.limit)
        await self._platform.pacer.turn()
        await self._message.edit(content=chunks[0])
        for chunk in chunks[1:]:
            await self._platform.send(self._thread_id, chunk)


class DiscordPlatform:
    name = "discord"

    def __init__(self, client: discord.Client, pacer: EditPacer | None = None, limit: int = MESSAGE_LIMIT) -> None:
        self.client = client
        self.pacer = pacer or EditPacer(1.0)
        self.limit = limit

    def _channel(self, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id)

    async def send(self, channel_id: int, text: str) -> list[discord.Message]:
        """Send text to a channel, split over as many messages as it needs."""
        channel = self._channel(channel_id)
        with needs("Send Messages in Threads", channel_id):
            return [await channel.send(chunk) for chunk in split_message(text, self.limit)]

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:
        with needs("View Channel", channel_ref):
            channel = self.client.get_channel(int(channel_ref)) or await self.client.fetch_channel(int(channel_ref))
        if isinstance(channel, discord.Thread) and channel.parent is not None:
            channel = channel.parent  # a battle started inside a thread gets its own thread beside it
        if not isinstance(channel, (discord.TextChannel, discord.ForumChannel)):
            raise ValueError(f"channel {channel_ref} cannot hold threads; run /arena battle in a text channel")
        name = (title.strip() or "Arena battle")[:THREAD_NAME_LIMIT]
        if isinstance(channel, discord.ForumChannel):
            with needs("Create Posts", channel.id):
                created = await channel.create_thread(name=name, content=split_message(header, self.limit)[0])
            thread, header_message = created.thread, created.message
        else:
            with needs("Create Public Threads", channel.id):
                thread = await channel.create_thread(
                    name=name, type=discord.ChannelType.public_thread, auto_archive_duration=_AUTO_ARCHIVE_MINUTES
                )
            header_message = (await self.send(thread.id, header))[0]
        return ThreadRefs(thread_ref=str(thread.id), header_ref=message_ref(thread.id, header_message.id))

    async def post_reply(self, channel_ref: str, reply: Reply) -> None:
        """A scheduled post: the text, with its file (the chart) under the last part."""
        channel_id = int(channel_ref)
        channel = self._channel(channel_id)
        chunks = split_message(reply.text, self.limit)
        with needs("Send Messages", channel_id):
            for chunk in chunks[:-1]:
                await channel.send(chunk)
            if reply.file is None:
                await channel.send(chunks[-1])
            else:
                with needs("Attach Files", channel_id):
                    await channel.send(chunks[-1], file=discord.File(io.BytesIO(reply.file[1]), filename=reply.file[0]))

    async def check_access(self, channel_ref: str) -> list[str]:
        """For `/arena doctor`: the battle permissions the bot lacks in this channel."""
        channel = self.client.get_channel(int(channel_ref))
        if isinstance(channel, discord.Thread) and channel.parent is not None:
            channel = channel.parent  # battles open their threads in the parent
        if not isinstance(channel, (discord.TextChannel, discord.ForumChannel)):
            return [f"<#{channel_ref}> cannot hold battle threads: run battles in a text or forum channel"]
        me = channel.guild.me
        if me is None:
            return ["the bot's own member is not cached yet: try again in a minute"]
        return [f"missing **{name}** in <#{channel.id}>: {FIX}" for name in missing_in(channel, me)]

    async def start_reply(self, thread_ref: str, label: str) -> DiscordReplyStream:
        thread_id = int(thread_ref)
        with needs("Send Messages in Threads", thread_id):
            placeholder = await self._channel(thread_id).send(f"**{label}**\n*…thinking…*")
        partial = self._channel(thread_id).get_partial_message(placeholder.id)
        return DiscordReplyStream(self, thread_id, partial, label)

    async def post(self, thread_ref: str, text: str) -> str:
        messages = await self.send(int(thread_ref), text)
        return message_ref(int(thread_ref), messages[0].id)

    async def post_ballot(self, thread_ref: str, ballot: Ballot) -> str:
        thread_id = int(thread_ref)
        channel = self._channel(thread_id)
        chunks = split_message(ballot.text, self.limit)
        with needs("Send Messages in Threads", thread_id):
            for chunk in chunks[:-1]:
                await channel.send(chunk)
            # The controls go under the last part, where readers end up.
            if ballot.mode == "buttons":
                last = await channel.send(chunks[-1], view=ballot_view(ballot))
            else:
                last = await channel.send(chunks[-1])
        return message_ref(thread_id, last.id)

    async def open_voting(self, message_ref: str, ballot: Ballot) -> None:
        if ballot.mode != "reactions":
            return  # buttons came with the message
        channel_id, message_id = parse_message_ref(message_ref)
        message = self._channel(channel_id).get_partial_message(message_id)
        with needs("Add Reactions", channel_id):
            for emoji in VOTE_REACTIONS:
                await message.add_reaction(emoji)

    async def edit(self, message_ref: str, text: str) -> None:
        channel_id, message_id = parse_message_ref(message_ref)
        await self.pacer.turn()
        await self._channel(channel_id).get_partial_message(message_id).edit(content=preview(text, self.limit))

    async def notify(self, user_ref: str, thread_ref: str, text: str, *, withdraw_battle: int | None = None) -> None:
        """DM one member, with a Withdraw button for `withdraw_battle` when given. Closed DMs are
        normal on Discord: logged, never raised."""
        try:
            dm = await self.client.create_dm(discord.Object(int(user_ref)))
            link = f"\n(battle: <#{thread_ref}>)" if thread_ref else ""
            chunks = split_message(text + link, self.limit)
            for chunk in chunks[:-1]:
                await dm.send(chunk)
            if withdraw_battle is None:
                await dm.send(chunks[-1])
            else:
                await dm.send(chunks[-1], view=withdraw_view(withdraw_battle))
        except discord.Forbidden:
            log.info("user %s does not accept DMs; private note skipped", user_ref)
        except discord.HTTPException as exc:
            log.warning("could not DM user %s: %s", user_ref, exc.status)
