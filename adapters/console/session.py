"""The console arena: reads lines from stdin (a terminal or a pipe) and drives the core.

A line is a prompt, or a follow-up while the current battle is still being discussed; `a`, `b`,
`t`, `x` vote; `/leaderboard`, `/models`, `/stats`, `/new`, `/help`, `/quit`, and any other
text command after a slash (`/model disable demo-fox`). End of input quits cleanly. A terminal
shows no images, so `/leaderboard` also writes its chart to a PNG file (in the working
directory) and prints the file's path.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
import threading
import uuid
from pathlib import Path
from typing import TextIO

from arenabot.arena import ArenaService
from arenabot.chart import board_png, filename_for
from arenabot.chatcommands.spec import CommandContext
from arenabot.chatcommands.text import dispatch
from arenabot.domain import Actor, BattleStatus, Outcome, Scope
from arenabot.render import Leaderboard
from arenabot.replies import Reply

from .platform import VOTE_KEYS, ConsolePlatform

CONSOLE_SCOPE = Scope("console", "local")
CHANNEL = "console"
WELCOME = (
    "arenabot console: type a prompt and two anonymous models answer it. "
    "Vote with a, b, t or x; /leaderboard, /models, /stats, /new, /help, /quit."
)
# What only the console has; the command list after it comes from the command registry.
CONSOLE_HELP = """Console arena
- type a prompt: two anonymous models answer it (a second line continues the conversation)
- a / b / t / x: vote A better / B better / tie / both bad; the names are revealed right away
- after a vote: /chat <text> keeps chatting with both models of that battle, /again starts a new
  round (the same prompt, two newly drawn models)
- /leaderboard also writes the chart to a PNG file here and prints its path
- /new: leave the current battle and start fresh with the next prompt · /quit: leave
Every command below works after a slash (you are this arena's moderator), e.g. /leaderboard global, /model disable demo-fox"""


class ConsoleSession:
    def __init__(self, service: ArenaService, platform: ConsolePlatform, actor: Actor, chart_dir: Path | None = None):
        self.service = service
        self.platform = platform
        self.actor = actor
        self.chart_dir = chart_dir or Path.cwd()  # where /leaderboard's chart is written
        self.thread: str | None = None  # the current battle's thread
        self.voted: str | None = None  # the thread of the battle voted on last (/chat, /again)

    def show(self, reply: Reply | None) -> None:
        if reply is None:
            return
        self.platform.say(reply.text)
        if reply.file:
            name, data = reply.file
            self.platform.say(f"({name}: {len(data)} bytes; use `arenabot export FILE` to save it)")

    async def handle(self, line: str) -> bool:
        """Process one input line; False means quit."""
        text = line.strip()
        if not text:
            return True
        lowered = text.lower()
        if lowered in ("/quit", "/exit", "/q"):
            return False
        if lowered in VOTE_KEYS:
            await self.vote(VOTE_KEYS[lowered])
        elif lowered == "/new":
            self.thread = None
            self.platform.say("Type a prompt to start a new battle.")
        elif lowered.startswith("/chat ") or lowered == "/chat":
            await self.chat_on(text[len("/chat") :].strip())
        elif lowered == "/help":
            self.platform.say(f"{CONSOLE_HELP}\n{self.service.help_text()}")
        elif text.startswith("/"):
            here = self.thread or self.voted  # `again` after a vote names the battle just voted on
            ctx = CommandContext(self.service, self.platform, CONSOLE_SCOPE, CHANNEL, self.actor, thread_ref=here)
            before = set(self.platform.ballots)
            reply = await dispatch(self.service.commands, ctx, text[1:])
            opened = sorted(set(self.platform.ballots) - before)
            if opened:  # a command that started a battle (/compare, /battle): vote keys now go to it
                self.thread = opened[-1]
            if not (opened and reply.ok):
                self.show(reply)
            if reply.board is not None and reply.board.rows:
                await self.save_chart(reply.board)
        else:
            await self.prompt(text)
        return True

    async def save_chart(self, board: Leaderboard) -> None:
        """A terminal shows no images: the chart goes to a file in `chart_dir`, and its path is printed."""
        png = await asyncio.to_thread(board_png, board)  # seconds on first use: off the event loop
        if png is None:
            self.platform.say("(no chart: it could not be drawn; see the log)")
            return
        path = self.chart_dir / filename_for(board.title)
        try:
            await asyncio.to_thread(path.write_bytes, png)
        except OSError as exc:
            self.platform.say(f"(chart not saved: cannot write {path}: {exc.strerror or exc})")
            return
        self.platform.say(f"Chart: {path}")

    async def prompt(self, text: str) -> None:
        if self.thread is not None:
            reply = await self.service.follow_up(self.platform, self.thread, self.actor, text)
            if reply is not None:
                if not reply.ok:
                    self.show(reply)
                return
        before = set(self.platform.ballots)
        reply = await self.service.start_battle(self.platform, CONSOLE_SCOPE, CHANNEL, self.actor, text)
        new = set(self.platform.ballots) - before
        if reply.ok and new:
            self.thread = new.pop()
        elif not reply.ok:
            self.show(reply)

    async def vote(self, outcome: Outcome) -> None:
        battle_id = self.platform.ballots.get(self.thread) if self.thread else None
        if battle_id is None or self.thread is None:
            self.platform.say("Nothing to vote on yet: type a prompt first.")
            return
        # By battle id, like a button: the console's keys work the same in either ballot mode.
        reply = await self.service.vote_on_battle(
            self.platform, battle_id, self.actor, outcome, event_id=f"console:{uuid.uuid4()}"
        )
        battle = await self.service.store.battle_by_thread(self.platform.name, self.thread)
        if battle is not None and battle.status is BattleStatus.OPEN and battle.identity_leak:
            # A leaked battle's vote does not count towards close_after_votes; one person decides here.
            await self.service.close_battle(self.platform, self.actor, f"#{battle.id}", scope=CONSOLE_SCOPE)
        elif reply is not None and (not reply.ok or battle is None or battle.status is BattleStatus.OPEN):
            self.show(reply)  # a revealed battle speaks for itself
        self.voted = self.thread
        self.thread = None

    async def chat_on(self, text: str) -> None:
        if self.voted is None:
            self.platform.say("Vote on a battle first; then /chat <text> keeps chatting with both of its models.")
            return
        if not text:
            self.platform.say("Usage: /chat <text>")
            return
        reply = await self.service.follow_up(self.platform, self.voted, self.actor, text)
        if reply is not None and not reply.ok:
            self.show(reply)


def _start_reader(stream: TextIO, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines from a daemon thread, so a pending read never blocks shutdown; None marks the end."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue


def console_actor() -> Actor:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "local"
    # Whoever runs the console owns this arena: moderator commands are theirs.
    return Actor(user_ref=f"console:{user}", display_name=user, is_moderator=True)


async def run_console(
    service: ArenaService,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    word_delay: float = 0.01,
    chart_dir: Path | None = None,
) -> None:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    platform = ConsolePlatform(stdout, word_delay=word_delay, ansi=stdout.isatty())
    # A one-person arena: reveal right after the vote, no need to tell the names twice, and no
    # rate limit against yourself.
    service.set_scope_defaults(CONSOLE_SCOPE, close_after_votes=1, reveal_to_voter=False, rate_limit_battles=1_000_000)
    session = ConsoleSession(service, platform, console_actor(), chart_dir)
    platform.say(WELCOME)
    service.attach_platform(platform)  # under `arenabot run`, the supervisor's scheduler sweeps it
    lines = _start_reader(stdin, asyncio.get_running_loop())
    try:
        while True:
            if interactive:
                platform.write("> ")
            line = await lines.get()
            if line is None or not await session.handle(line):
                break
    finally:
        service.detach_platform(platform)
    platform.say("Bye.")
