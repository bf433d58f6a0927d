"""`ChatPlatform` for Slack: a battle is a header message in the channel with its thread.

Replies stream into thread messages with `chat.update`, coalesced to about one update per second
per reply (Slack's chat.update allowance); a reply that outgrows a message continues in further
thread messages. Rate-limit backoff (429 + Retry-After) is the Web client's retry handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.ballot import ballot_actions
from adapters.slack.layout import message_payloads, single_payload
from adapters.slack.mrkdwn import to_mrkdwn
from adapters.slack.refs import message_ref, parse_ref
from adapters.slack.replies import ReplySender
from arenabot.domain import Outcome
from arenabot.permissions import MissingPermission
from arenabot.ports import Ballot, ThreadRefs
from arenabot.replies import Reply

log = logging.getLogger(__name__)

# Slack's reaction names for the four verdicts (👎 is ":-1:", alias ":thumbsdown:").
VOTE_REACTIONS: dict[Outcome, str] = {
    Outcome.A: "a",
    Outcome.B: "b",
    Outcome.TIE: "handshake",
    Outcome.BOTH_BAD: "-1",
}
_REACTION_ALIASES = {"thumbsdown": "-1"}
NEW_ROUND_REACTION = "repeat"  # 🔁 on a reaction ballot: a new round, not a vote
_REMEMBERED_BALLOTS = 10_000


def outcome_for_reaction(name: str) -> Outcome | None:
    """The verdict a reaction stands for; skin tones ("-1::skin-tone-3") count as the base emoji."""
    base = name.split("::", 1)[0]
    base = _REACTION_ALIASES.get(base, base)
    return next((o for o, reaction in VOTE_REACTIONS.items() if reaction == base), None)


NOT_A_MEMBER = {"not_in_channel", "channel_not_found"}
INVITE_FIX = "Invite me first: type `/invite @arenabot` in the channel, then start the battle again."


def _not_in_channel(scope: str | None) -> MissingPermission:
    if scope:
        return MissingPermission(
            scope,
            "this channel",
            f"A workspace admin can add the `{scope}` scope to the app and reinstall it; until then, {INVITE_FIX[0].lower()}{INVITE_FIX[1:]}",
            problem=f"I'm not in this channel and the app lacks the `{scope}` scope to join it",
        )
    return MissingPermission(
        "channel membership",
        "this channel",
        INVITE_FIX,
        problem="I'm not a member of this channel (private channels need an invitation), so votes here would never reach me",
    )


class SlackReplyStream:
    """One side's reply: placeholder first, then throttled edits, then the full text."""

    def __init__(
        self, platform: SlackPlatform, channel: str, thread_ts: str, label: str, first_ts: str, first_payload: dict[str, Any]
    ):
        self._platform = platform
        self._channel = channel
        self._thread_ts = thread_ts
        self._label = label
        self._ts: list[str] = [first_ts]
        self._shown: list[dict[str, Any]] = [first_payload]
        self._latest = ""
        self._pump: asyncio.Task[None] | None = None
        self._finishing = asyncio.Event()
        self._next_at = 0.0
        self._lock = asyncio.Lock()

    async def update(self, text: str) -> None:
        # Only remember the text: a background pump sends the newest text at the allowed pace,
        # so a fast model never queues up edits.
        self._latest = text
        if not self._finishing.is_set() and (self._pump is None or self._pump.done()):
            self._pump = asyncio.create_task(self._run_pump())

    async def finish(self, text: str) -> None:
        self._finishing.set()
        if self._pump is not None:
            await asyncio.gather(self._pump, return_exceptions=True)
        await self._render(text)

    async def _run_pump(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._finishing.is_set():
            delay = self._next_at - loop.time()
            if delay > 0:
                try:
                    await asyncio.wait_for(self._finishing.wait(), delay)
                    return
                except TimeoutError:
                    pass
            text = self._latest
            try:
                await self._render(text)
            except Exception as exc:  # a lost intermediate edit is harmless: finish() posts the full text
                log.warning("streaming edit failed (%s); the final text will still be posted", exc)
            self._next_at = loop.time() + self._platform.edit_interval
            if self._latest == text:
                return

    async def _render(self, text: str) -> None:
        async with self._lock:
            payloads = message_payloads(text, self._label)
            for index, payload in enumerate(payloads):
                if index < len(self._ts):
                    if payload != self._shown[index]:
                        await self._platform.client.chat_update(channel=self._channel, ts=self._ts[index], **payload)
                        self._shown[index] = payload
                else:
                    ts = await self._platform.post_payload(self._channel, self._thread_ts, payload)
                    self._ts.append(ts)
                    self._shown.append(payload)
            # The text only grows while streaming; if it ever shrinks, drop the messages left over.
            while len(self._ts) > len(payloads):
                await self._platform.client.chat_delete(channel=self._channel, ts=self._ts.pop())
                self._shown.pop()


class SlackPlatform:
    name = "slack"

    def __init__(self, client: AsyncWebClient, edit_interval: float = 1.0):
        self.client = client
        self.edit_interval = edit_interval
        # Recent ballots -> their thread, so a refusal after a vote can be shown in the right thread.
        self.ballot_threads: OrderedDict[str, str] = OrderedDict()
        self._joined: set[str] = set()  # channels this process has made sure the bot is in

    async def post_payload(self, channel: str, thread_ts: str | None, payload: dict[str, Any]) -> str:
        response = await self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **payload
        )
        return response["ts"]

    async def _post_markdown(self, channel: str, thread_ts: str | None, text: str) -> str:
        refs = [await self.post_payload(channel, thread_ts, p) for p in message_payloads(text)]
        return refs[0]

    async def _join(self, channel: str) -> None:
        """Be a member of the channel: Slack sends reactions and thread replies only from channels
        the bot is in, so a battle anywhere else would never get its votes."""
        if channel in self._joined:
            return
        try:
            await self.client.conversations_join(channel=channel)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error != "method_not_supported_for_channel_type":  # private: posting shows membership
                log.warning("Slack: could not join channel %s: %s", channel, error)
                raise _not_in_channel("channels:join" if error == "missing_scope" else None) from exc
        self._joined.add(channel)

    async def check_access(self, channel_ref: str) -> list[str]:
        """For `/arena doctor`: scopes the app lacks, and whether the bot can be in this channel."""
        from adapters.slack.scopes import missing_scopes, missing_scopes_text

        problems = []
        missing = await missing_scopes(self.client)
        if missing:
            problems.append(missing_scopes_text(missing))
        try:
            await self._join(channel_ref)
        except MissingPermission as refused:
            problems.append(refused.moderator_text())
        return problems

    async def post_reply(self, channel_ref: str, reply: Reply) -> None:
        """A scheduled post in a channel (the bot joins it first): text, then the file."""
        await self._join(channel_ref)
        await ReplySender(self.client).send(Reply(reply.text, file=reply.file), channel=channel_ref, user="")

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:
        await self._join(channel_ref)
        try:
            ts = await self._post_markdown(channel_ref, None, header or title)
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_A_MEMBER:
                self._joined.discard(channel_ref)
                raise _not_in_channel(None) from exc
            raise
        ref = message_ref(channel_ref, ts)
        return ThreadRefs(thread_ref=ref, header_ref=ref)

    async def start_reply(self, thread_ref: str, label: str) -> SlackReplyStream:
        channel, thread_ts = parse_ref(thread_ref)
        payload = message_payloads("_…_", label)[0]
        ts = await self.post_payload(channel, thread_ts, payload)
        return SlackReplyStream(self, channel, thread_ts, label, ts, payload)

    async def post(self, thread_ref: str, text: str) -> str:
        channel, thread_ts = parse_ref(thread_ref)
        return message_ref(channel, await self._post_markdown(channel, thread_ts, text))

    async def post_ballot(self, thread_ref: str, ballot: Ballot) -> str:
        channel, thread_ts = parse_ref(thread_ref)
        payloads = message_payloads(ballot.text)
        if ballot.mode == "buttons":
            payloads[-1] = {**payloads[-1], "blocks": [*payloads[-1]["blocks"], ballot_actions(ballot)]}
        # The controls go on the last message, where readers end up.
        ts = [await self.post_payload(channel, thread_ts, p) for p in payloads][-1]
        ref = message_ref(channel, ts)
        self.ballot_threads[ref] = thread_ref
        if len(self.ballot_threads) > _REMEMBERED_BALLOTS:
            self.ballot_threads.popitem(last=False)
        return ref

    async def open_voting(self, message_ref: str, ballot: Ballot) -> None:
        if ballot.mode != "reactions":
            return  # buttons came with the message
        channel, ts = parse_ref(message_ref)
        for reaction in VOTE_REACTIONS.values():
            try:
                await self.client.reactions_add(channel=channel, timestamp=ts, name=reaction)
            except SlackApiError as exc:
                if exc.response.get("error") != "already_reacted":
                    log.warning("could not add the :%s: vote reaction: %s", reaction, exc.response.get("error"))
                    return

    async def edit(self, message_ref: str, text: str) -> None:
        channel, ts = parse_ref(message_ref)
        await self.client.chat_update(channel=channel, ts=ts, **single_payload(text))

    async def notify(self, user_ref: str, thread_ref: str, text: str) -> None:
        channel, thread_ts = parse_ref(thread_ref)
        await self.client.chat_postEphemeral(channel=channel, user=user_ref, thread_ts=thread_ts, text=to_mrkdwn(text))
