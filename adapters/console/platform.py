"""`ChatPlatform` for a terminal or a pipe: one thread at a time, printed top to bottom.

A terminal cannot edit printed lines, so the two replies are shown one after the other: Model A
streams live while Model B is buffered, then B is played back and continues live. Edits (the
header on reveal) print nothing; the reveal message itself carries the names.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from typing import TextIO

from arenabot.domain import Outcome
from arenabot.ports import Ballot, ThreadRefs
from arenabot.render import OUTCOME_LABELS
from arenabot.replies import Reply

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")


# The console draws every ballot, reactions or buttons, as one key per outcome.
VOTE_KEYS: dict[str, Outcome] = {"a": Outcome.A, "b": Outcome.B, "t": Outcome.TIE, "x": Outcome.BOTH_BAD}


def ballot_prompt(ballot: Ballot) -> str:
    """e.g. "Vote: a = A is better, b = B is better, t = tie, x = both are bad (or type a follow-up)"."""
    key_of = {outcome: key for key, outcome in VOTE_KEYS.items()}
    options = ", ".join(f"{key_of[o]} = {OUTCOME_LABELS[o]}" for o in ballot.outcomes)
    return f"Vote: {options} (or type a follow-up)"


def to_console(text: str, ansi: bool) -> str:
    """Generic Markdown to plain text (ANSI bold on a terminal); code fences dropped."""
    lines = [line for line in text.split("\n") if not line.startswith("```")]
    text = "\n".join(lines)
    text = _BOLD.sub(lambda m: f"\033[1m{m.group(1)}\033[0m" if ansi else m.group(1), text)
    return _CODE.sub(r"\1", text)


PACED_CHARS = 400  # more new text than this is printed at once, not word by word


class ConsoleStream:
    def __init__(self, console: ConsolePlatform, label: str):
        self._console = console
        self.label = label
        self.text = ""
        self.shown = 0  # characters already printed
        self.printed = ""  # those characters: a final text that does not continue them is printed anew
        self.finished = False

    async def update(self, text: str) -> None:
        self.text = text
        if self._console.active is self:
            await self._console.show(self, paced=True)

    async def finish(self, text: str) -> None:
        self.text = text
        self.finished = True
        if self._console.active is self:
            await self._console.show(self, paced=False)
            await self._console.next_stream()


class ConsolePlatform:
    name = "console"

    def __init__(self, out: TextIO, *, word_delay: float = 0.01, ansi: bool = False):
        self.out = out
        self.word_delay = word_delay
        self.ansi = ansi
        self._ids = itertools.count(1)
        self.active: ConsoleStream | None = None
        self._queue: list[ConsoleStream] = []
        self._last_write = 0.0
        self.ballots: dict[str, int] = {}  # thread ref -> the battle its ballot votes on

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def say(self, text: str) -> None:
        self.write(to_console(text, self.ansi) + "\n")

    # ----- ChatPlatform ------------------------------------------------------------------------

    async def open_thread(self, channel_ref: str, title: str, header: str) -> ThreadRefs:
        n = next(self._ids)
        self.say(f"\n{header}")
        return ThreadRefs(thread_ref=f"thread-{n}", header_ref=f"header-{n}")

    async def start_reply(self, thread_ref: str, label: str) -> ConsoleStream:
        stream = ConsoleStream(self, label)
        if self.active is None:
            self._activate(stream)
        else:
            self._queue.append(stream)
        return stream

    async def post(self, thread_ref: str, text: str) -> str:
        self.say(text)
        return f"msg-{next(self._ids)}"

    async def post_ballot(self, thread_ref: str, ballot: Ballot) -> str:
        ref = f"ballot-{next(self._ids)}"
        self.ballots[thread_ref] = ballot.battle_id
        self.say("\n" + ballot_prompt(ballot))
        return ref

    async def open_voting(self, message_ref: str, ballot: Ballot) -> None:
        pass  # the console's controls are the a/b/t/x keys, in either mode

    async def edit(self, message_ref: str, text: str) -> None:
        return None

    async def check_access(self, channel_ref: str) -> list[str]:
        return []  # nothing to lack here

    async def post_reply(self, channel_ref: str, reply: Reply) -> None:
        self.say("\n" + reply.text)
        if reply.file:  # a terminal shows no image
            self.say(f"({reply.file[0]}: {len(reply.file[1])} bytes)")

    async def notify(self, user_ref: str, thread_ref: str, text: str) -> None:
        self.say(f"(just for you) {text}")

    # ----- streaming display -------------------------------------------------------------------

    def _activate(self, stream: ConsoleStream) -> None:
        self.active = stream
        self.write("\n" + to_console(f"**{stream.label}:**", self.ansi) + "\n")

    async def show(self, stream: ConsoleStream, paced: bool) -> None:
        """Print what `stream` has beyond what is shown; paced, a word at a time, for a streaming feel."""
        if not stream.text.startswith(stream.printed):
            # The final text replaces what was printed (e.g. a reply hidden by content moderation):
            # a terminal cannot take lines back, so it starts on a line of its own.
            self.write("\n")
            stream.shown, stream.printed = 0, ""
        new = stream.text[stream.shown :]
        if not new:
            return
        # A word at a time only for what a reader can follow as it comes: a long stretch (a
        # buffered reply played back, a model that sent much at once) prints at once.
        paced = paced and len(new) <= PACED_CHARS
        pieces = re.findall(r"\S+\s*|\s+", new) if paced and self.word_delay else [new]
        stream.shown, stream.printed = len(stream.text), stream.text
        for piece in pieces:
            self.write(piece)
            if paced and self.word_delay:
                # Only wait the part of the delay the model has not already taken.
                wait = self.word_delay - (time.monotonic() - self._last_write)
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last_write = time.monotonic()

    async def next_stream(self) -> None:
        self.write("\n")
        self.active = None
        while self._queue:
            stream = self._queue.pop(0)
            self._activate(stream)
            await self.show(stream, paced=not stream.finished)  # play back what it wrote while waiting
            if not stream.finished:
                return
            await self.show(stream, paced=False)
            self.write("\n")
            self.active = None
