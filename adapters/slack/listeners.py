"""Slack events and the /arena command, turned into calls on the core's `ArenaService`.

Every listener acknowledges first (Bolt acks events itself; the command acks explicitly), so
Slack gets its answer within 3 seconds, and then does the slow work.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from arenabot.ballot import CONTROL_ID_PATTERN, NEW_ROUND_ID_PATTERN, parse_control_id, parse_new_round_id
from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import Actor, Scope
from arenabot.replies import Reply

from .ballot import action_event_id
from .dedupe import RecentEvents
from .platform import NEW_ROUND_REACTION, SlackPlatform, outcome_for_reaction
from .refs import message_ref, parse_ref
from .replies import ReplySender
from .users import UserDirectory

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

log = logging.getLogger(__name__)

COMMAND = "/arena"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_HELP_INTRO = f"Type these after `{COMMAND}` (e.g. `{COMMAND} battle write a haiku about rain`), or mention me with a prompt."
_NO_CHANNEL = "I could not tell which channel (or who) this came from, so I did nothing. Run `/arena` again in a channel."
_FAILED = "Sorry, something went wrong on my side. Please try again in a moment."


def slack_unescape(text: str) -> str:
    """Slack sends user text with &, <, > escaped; the core wants what the user typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def prompt_from_mention(text: str) -> str:
    return slack_unescape(_MENTION.sub("", text)).strip()


def _scope(body: dict[str, Any]) -> Scope:
    team = body.get("team_id") or body.get("team", {}).get("id") or ""
    return Scope("slack", team)


class ArenaListeners:
    def __init__(self, service: ArenaService, platform: SlackPlatform, users: UserDirectory, sender: ReplySender):
        self.service = service
        self.platform = platform
        self.users = users
        self.sender = sender
        self.recent_events = RecentEvents()
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def _busy(self) -> AsyncIterator[None]:
        """Count work in flight, so a shutdown (or a test) can wait for it to finish."""
        self._inflight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if not self._inflight:
                self._idle.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()

    def register(self, app: AsyncApp) -> None:
        app.middleware(self.skip_redelivered_events)
        app.command(COMMAND)(self.on_command)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("reaction_added")(self.on_reaction_added)
        app.event("reaction_removed")(self.on_reaction_removed)
        app.action(CONTROL_ID_PATTERN)(self.on_vote_button)
        app.action(NEW_ROUND_ID_PATTERN)(self.on_new_round_button)

    async def skip_redelivered_events(self, body: dict[str, Any], next: Any) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.recent_events.first_time(event_id):
            log.debug("skipping redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        async with self._busy():
            await self._command(command, respond)

    async def _command(self, command: dict[str, Any], respond: Any) -> None:
        channel, user = command.get("channel_id"), command.get("user_id")
        if not channel or not user:  # Slack always sends both; a proxy or a test may not
            log.warning("/arena without %s: answered with a hint", "channel_id" if not channel else "user_id")
            await respond(response_type="ephemeral", text=_NO_CHANNEL)
            return
        try:
            actor = await self.users.actor(user, command.get("user_name", ""))
            text = slack_unescape(command.get("text", "")).strip()
            if text.split(" ", 1)[0].lower() in ("", "help"):
                reply = self._help(actor)
            else:
                ctx = CommandContext(self.service, self.platform, _scope(command), channel, actor)
                reply = await dispatch(self.service.commands, ctx, text)
            await self.sender.send(reply, channel=channel, user=user, respond=respond)
        except Exception:
            log.exception("/arena %s failed", command.get("text", "").split(" ", 1)[0][:20])
            await respond(response_type="ephemeral", text=_FAILED)

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._busy():
            await self._mention(event, body)

    async def _mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user, channel = event.get("user"), event["channel"]
        if not user:
            return
        text = prompt_from_mention(event.get("text", ""))
        actor = await self.users.actor(user)
        thread_ts = event.get("thread_ts")
        if thread_ts:
            # A mention inside a battle thread by its creator is a follow-up, not a new battle.
            reply = await self.service.follow_up(self.platform, message_ref(channel, thread_ts), actor, text)
            if reply is not None:
                await self._show_refusal(reply, channel, user, thread_ts)
                return
        if not text:
            await self.sender.send(self._help(actor), channel=channel, user=user, thread_ts=thread_ts)
            return
        reply = await self.service.start_battle(self.platform, _scope(body), channel, actor, text)
        await self._show_refusal(reply, channel, user, thread_ts)

    async def on_message(self, event: dict[str, Any], context: Any) -> None:
        async with self._busy():
            await self._message(event, context.bot_user_id)

    async def _message(self, event: dict[str, Any], bot_user_id: str | None) -> None:
        thread_ts, user = event.get("thread_ts"), event.get("user")
        if (
            event.get("subtype") not in (None, "thread_broadcast")
            or event.get("bot_id")
            or not user
            or not thread_ts
            or thread_ts == event.get("ts")
        ):
            return
        text = event.get("text", "")
        if bot_user_id and f"<@{bot_user_id}" in text:
            return  # the app_mention listener answers this one
        # Every thread reply in the channel lands here: skip users.info, the core only needs the
        # id to recognise the battle's creator (bots' messages carry bot_id and were dropped above).
        actor = Actor(user_ref=user)
        reply = await self.service.follow_up(
            self.platform, message_ref(event["channel"], thread_ts), actor, slack_unescape(text).strip()
        )
        if reply is not None:
            await self._show_refusal(reply, event["channel"], user, thread_ts)

    async def on_reaction_added(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._busy():
            await self._reaction(event, body, added=True)

    async def on_reaction_removed(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self._busy():
            await self._reaction(event, body, added=False)

    async def _reaction(self, event: dict[str, Any], body: dict[str, Any], added: bool) -> None:
        item = event.get("item") or {}
        if added and event.get("reaction") == NEW_ROUND_REACTION and item.get("type") == "message" and event.get("user"):
            await self._new_round_reaction(event, body)
            return
        outcome = outcome_for_reaction(event.get("reaction", ""))
        if item.get("type") != "message" or outcome is None or not event.get("user"):
            return
        actor = await self.users.actor(event["user"])
        ballot = message_ref(item["channel"], item["ts"])
        call = self.service.vote if added else self.service.unvote
        reply = await call(self.platform, ballot, actor, outcome, body.get("event_id") or f"{ballot}:{event.get('event_ts')}")
        if reply is not None:
            thread = self.platform.ballot_threads.get(ballot)
            thread_ts = parse_ref(thread)[1] if thread else None
            if reply.vote_change:  # a first vote shows itself (the reaction); a change is confirmed
                await self.sender.send(reply, channel=item["channel"], user=event["user"], thread_ts=thread_ts)
            else:
                await self._show_refusal(reply, item["channel"], event["user"], thread_ts)

    async def on_vote_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        async with self._busy():
            await self._vote_button(body, action, respond if body.get("response_url") else None)

    async def _vote_button(self, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        parsed = parse_control_id(action.get("action_id", ""))
        user = (body.get("user") or {}).get("id")
        if parsed is None or not user:
            return
        battle_id, outcome = parsed
        actor = await self.users.actor(user)
        reply = await self.service.vote_on_battle(self.platform, battle_id, actor, outcome, action_event_id(body, action))
        await self._answer_click(body, user, reply, respond)

    async def _answer_click(self, body: dict[str, Any], user: str, reply: Reply | None, respond: Any) -> None:
        """Every click is confirmed to the one who clicked, and only to them, where the button is."""
        if reply is None:
            return  # a redelivered payload, or a bot
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        await self.sender.send(
            dataclasses.replace(reply, private=True), channel=channel, user=user, thread_ts=thread_ts, respond=respond
        )

    async def _new_round_reaction(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        item = event["item"]
        actor = await self.users.actor(event["user"])
        ballot = message_ref(item["channel"], item["ts"])
        event_id = body.get("event_id") or f"{ballot}:{event.get('event_ts')}:again"
        reply = await self.service.new_round_on_ballot(self.platform, ballot, actor, event_id)
        if reply is not None:
            thread = self.platform.ballot_threads.get(ballot)
            await self._show_refusal(reply, item["channel"], event["user"], parse_ref(thread)[1] if thread else None)

    async def on_new_round_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        async with self._busy():
            battle_id = parse_new_round_id(action.get("action_id", ""))
            user = (body.get("user") or {}).get("id")
            if battle_id is None or not user:
                return
            actor = await self.users.actor(user)
            reply = await self.service.new_round(self.platform, battle_id, actor, action_event_id(body, action))
            await self._answer_click(body, user, reply, respond if body.get("response_url") else None)

    def _help(self, actor: Actor) -> Reply:
        return Reply(f"{_HELP_INTRO}\n{self.service.help_text(moderator=actor.is_moderator)}", private=True)

    async def _show_refusal(self, reply: Reply, channel: str, user: str, thread_ts: str | None) -> None:
        # Successes show themselves (the thread, the ballot, the private reveal); refusals are
        # told to the one user who acted.
        if not reply.ok and reply.text:
            await self.sender.send(dataclasses.replace(reply, private=True), channel=channel, user=user, thread_ts=thread_ts)
