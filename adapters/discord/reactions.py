"""Reaction votes: emoji to outcome, and an event id that tells a replayed dispatch from a new one.

Event ids. Discord gives a reaction event no id of its own. Within one gateway session every
dispatch has a sequence number, and a RESUME replays missed dispatches with their original
numbers; a new session (re-IDENTIFY) never replays anything. So (session id, sequence) names one
dispatch: a replayed event gets the same id and the core's processed-events table drops it, while a
member who removes and re-adds the same reaction produces new dispatches and new ids. discord.py
does not pass the sequence to `on_raw_reaction_*`, so `install_dispatch_keys` wraps the two
reaction parsers: they run synchronously right after the websocket stored the sequence, and the
key travels to the handler task in a context variable (tasks copy the context they are made in).
Without a key (e.g. a future discord.py change) the id falls back to the event's own fields; the
core's vote rules (same vote twice is a no-op, removing only withdraws the current vote) keep
that safe, merely less strict about replays.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import discord

from arenabot.domain import Outcome
from arenabot.render import NEW_ROUND_EMOJI, VOTE_EMOJI

log = logging.getLogger(__name__)

_VARIATION_SELECTOR = "\ufe0f"
_OUTCOME_BY_EMOJI = {emoji.replace(_VARIATION_SELECTOR, ""): outcome for outcome, emoji in VOTE_EMOJI.items()}
VOTE_REACTIONS: list[str] = [VOTE_EMOJI[o] for o in (Outcome.A, Outcome.B, Outcome.TIE, Outcome.BOTH_BAD)]

_dispatch_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("arena_dispatch_key", default=None)
_REACTION_EVENTS = ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE")


def outcome_for(emoji: discord.PartialEmoji) -> Outcome | None:
    """The vote a reaction stands for; None for any other emoji (custom emoji never vote)."""
    if emoji.id is not None or not emoji.name:
        return None
    return _OUTCOME_BY_EMOJI.get(emoji.name.replace(_VARIATION_SELECTOR, ""))


def is_new_round(emoji: discord.PartialEmoji) -> bool:
    """The reaction that starts a new round of the ballot's battle (not a vote)."""
    return emoji.id is None and (emoji.name or "").replace(_VARIATION_SELECTOR, "") == NEW_ROUND_EMOJI


def install_dispatch_keys(client: discord.Client) -> None:
    """Tag reaction dispatches with "session:sequence" of the gateway message that carried them."""
    parsers: dict[str, Any] = client._connection.parsers  # discord.py internals: see module docstring
    for event in _REACTION_EVENTS:
        original = parsers.get(event)
        if original is None or getattr(original, "_arena_keyed", False):
            continue

        def keyed(data: dict[str, Any], _original: Any = original) -> None:
            token = _dispatch_key.set(_current_key(client, data))
            try:
                _original(data)
            finally:
                _dispatch_key.reset(token)

        keyed._arena_keyed = True  # type: ignore[attr-defined]
        parsers[event] = keyed


def _current_key(client: discord.Client, data: dict[str, Any]) -> str | None:
    try:
        guild_id = int(data["guild_id"]) if data.get("guild_id") else None
        ws = client._get_websocket(guild_id, shard_id=None if guild_id else 0)
    except Exception:  # no shard for this guild yet: fall back to an unkeyed id
        return None
    if ws is None or ws.session_id is None or ws.sequence is None:
        return None
    return f"{ws.session_id}:{ws.sequence}"


def reaction_event_id(payload: discord.RawReactionActionEvent, added: bool) -> str:
    """A stable id for one reaction dispatch (see the module docstring)."""
    emoji = (payload.emoji.name or "").replace(_VARIATION_SELECTOR, "")
    base = f"discord:{payload.message_id}:{payload.user_id}:{emoji}:{'add' if added else 'remove'}"
    key = _dispatch_key.get()
    return f"{base}:{key}" if key else base
