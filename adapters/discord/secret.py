"""Secret ballot with reactions: once a reaction's vote is stored, the bot removes the voter's
reaction, so the ballot shows only the bot's four and no tally to herd after.

Discord reports the bot's own removal as a MESSAGE_REACTION_REMOVE like any other, without
saying who removed it. So before asking for a removal the bot notes (message, voter, emoji) as
expected; the first removal event for it is the bot's and is never read as a withdrawal. Its
event id is remembered too, so a RESUME that replays it (same session and sequence) is
recognised again. A guild's events all reach the shard that handled the reaction, i.e. this
process; a new session never replays an old one's events, so the notes need not outlive it.
Without Manage Messages nothing is removed: votes work, tallies stay visible, a removed reaction
withdraws as before, and the moderators are told once per channel what is missing.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from .client import ArenaClient

log = logging.getLogger(__name__)

_VARIATION_SELECTOR = "\ufe0f"
_REMEMBERED = 10_000  # bounded memories: old entries are of long-settled events
MISSING_PERMISSION_NOTICE = (
    "Moderators: arenabot cannot keep ballots in this channel secret. Give it the **Manage Messages** "
    "permission here (or in its battle threads) so it can remove each voter's reaction once the vote is "
    "stored. Until then votes still count, but reaction tallies are visible to every later voter."
)

SECRET_BALLOT_NOTE = (
    "Your reaction was removed so that nobody sees how you voted. React again with another emoji to "
    "change your vote; `/arena unvote` in the battle's thread withdraws it."
)

ReactionKey = tuple[int, int, str]  # (message id, user id, emoji)


def reaction_key(payload: discord.RawReactionActionEvent) -> ReactionKey:
    return payload.message_id, payload.user_id, (payload.emoji.name or "").replace(_VARIATION_SELECTOR, "")


class SecretBallot:
    def __init__(self, client: ArenaClient) -> None:
        self._client = client
        self._expected: dict[ReactionKey, int] = {}  # removals asked for, not yet seen as events
        self._ours: OrderedDict[str, None] = OrderedDict()  # event ids of removals the bot caused
        self._denied: OrderedDict[int, None] = OrderedDict()  # threads where a removal was refused
        self._told: set[int] = set()  # channels whose moderators heard about the missing permission

    async def conceal(self, payload: discord.RawReactionActionEvent) -> bool:
        """Remove the voter's reaction; False (and the moderators told once) when the bot may not."""
        allowed = self._can_remove(payload.channel_id)
        if allowed is False or (allowed is None and payload.channel_id in self._denied):
            await self._tell_moderators(payload.channel_id)
            return False
        key = reaction_key(payload)
        self._expected[key] = self._expected.get(key, 0) + 1  # noted first: the event may beat the reply
        message = self._client.get_partial_messageable(payload.channel_id).get_partial_message(payload.message_id)
        try:
            await message.remove_reaction(payload.emoji, discord.Object(payload.user_id))
        except discord.HTTPException as exc:
            self._forget(key)
            if isinstance(exc, discord.Forbidden):
                self._remember(self._denied, payload.channel_id)
                await self._tell_moderators(payload.channel_id)
            else:
                log.warning("could not remove a vote reaction on %s: %s", payload.message_id, exc.status)
            return False
        return True

    def caused(self, payload: discord.RawReactionActionEvent, event_id: str) -> bool:
        """Whether this removal event is one the bot caused (also when a RESUME replays it)."""
        if event_id in self._ours:
            return True
        key = reaction_key(payload)
        if not self._expected.get(key):
            return False
        self._forget(key)
        self._remember(self._ours, event_id)
        return True

    def _forget(self, key: ReactionKey) -> None:
        left = self._expected.get(key, 0) - 1
        if left > 0:
            self._expected[key] = left
        else:
            self._expected.pop(key, None)

    @staticmethod
    def _remember(memory: OrderedDict[Any, None], item: Hashable) -> None:
        memory[item] = None
        memory.move_to_end(item)
        if len(memory) > _REMEMBERED:
            memory.popitem(last=False)

    def _can_remove(self, channel_id: int) -> bool | None:
        """Manage Messages in this channel per the gateway cache; None when the cache cannot say."""
        channel = self._client.get_channel(channel_id)
        if not isinstance(channel, (discord.Thread, discord.TextChannel)):
            return None
        me = channel.guild.me
        if me is None:
            return None
        try:
            return channel.permissions_for(me).manage_messages
        except discord.ClientException:  # a thread whose parent is not cached
            return None

    async def _tell_moderators(self, channel_id: int) -> None:
        """Once per channel where battles are started (a thread's parent), not per vote."""
        channel = self._client.get_channel(channel_id)
        target = channel.parent_id if isinstance(channel, discord.Thread) and channel.parent_id else channel_id
        if target in self._told:
            return
        self._told.add(target)
        log.warning("no Manage Messages in channel %s: ballots there show their tallies", target)
        try:
            await self._client.platform.send(target, MISSING_PERMISSION_NOTICE)
        except discord.HTTPException as exc:
            log.warning("could not tell the moderators of channel %s: %s", target, exc.status)
