"""How a chat command is declared: once, with everything every surface needs.

From a `Command` the Discord adapter builds its slash command (options, choices, autocomplete,
default permissions), the text dispatcher (Slack `/arena ...`, the console) parses a line, and
the help text describes it. A feature declares its commands next to its service code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from arenabot.domain import Actor, Scope
from arenabot.ports import ChatPlatform
from arenabot.replies import Reply

if TYPE_CHECKING:
    from arenabot.arena import ArenaService

# What a parameter holds. "user": a member (Discord user option; a mention or id in text);
# "battle": a battle number like #42 or a thread; "file": an attachment (Discord only).
Kind = Literal["text", "int", "float", "user", "battle", "file"]
# How a parameter is written in a text command: a "word" in order, the "rest" of the line as
# typed, a "keyword" (name=value or name:value), or a "flag" (one of its choices as a bare word).
TextStyle = Literal["word", "rest", "keyword", "flag"]
SURFACES = frozenset({"discord", "text"})


@dataclass(frozen=True)
class CommandContext:
    """Who runs a command where. `thread_ref` is the thread it was run in, when the platform knows."""

    service: ArenaService
    platform: ChatPlatform
    scope: Scope
    channel_ref: str
    actor: Actor
    thread_ref: str | None = None
    help_style: HelpStyle | None = None  # how this surface writes commands; None: as typed in text


Handler = Callable[..., Awaitable[Reply]]  # handler(ctx, **parameters)
Suggest = Callable[["ArenaService", str], Awaitable[list[str]]]  # (service, typed so far) -> suggestions


@dataclass(frozen=True)
class Param:
    name: str
    help: str  # at most 100 characters (Discord's limit)
    kind: Kind = "text"
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()
    suggest: Suggest | None = None  # live suggestions (Discord autocomplete)
    min_value: float | None = None
    max_value: float | None = None
    text: TextStyle = "word"

    def usage(self) -> str:
        if self.text == "keyword":
            return f"[{self.name}=...]" if not self.required else f"{self.name}=..."
        if self.text == "flag":
            words = [c for c in self.choices if c != self.default]
            return f"[{'|'.join(words)}]"
        return f"<{self.name}>" if self.required else f"[{self.name}]"


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("battle",) or ("model", "add"): a group and its subcommand
    help: str  # one line, at most 100 characters (Discord's limit)
    call: Handler
    params: tuple[Param, ...] = ()
    moderator: bool = False
    public: bool = False  # the answer is shown to the channel, not only to the caller
    opens_thread: bool = False  # runs long and opens a battle thread (Discord: needs a text channel)
    surfaces: frozenset[str] = SURFACES
    discord_name: str | None = None  # only where Discord already knows the command by another name
    details: str = ""  # more help text; may name arena settings, e.g. {max_turns}
    group_help: str = ""  # for the first subcommand of a group: what the group is

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def usage(self) -> str:
        return " ".join([self.name, *(p.usage() for p in self.params if p.kind != "file")])

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


@dataclass(frozen=True)
class HelpStyle:
    """How a surface names its commands in the help text: the commands it has, and each one's
    usage line as its users type it (Discord: `/arena-admin close [battle:...]`)."""

    surface: str
    usage: Callable[[Command], str]


@dataclass(frozen=True)
class ScopeSetting:
    """A setting moderators may change per server/workspace (`set <key> <value>`); its default
    and its meaning come from `ArenaSettings` (arenabot/config.py)."""

    key: str


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    settings: tuple[ScopeSetting, ...] = ()


def choice_label(value: str) -> str:
    return value.replace("_", " ")


def only(*surfaces: str) -> frozenset[str]:
    return frozenset(surfaces)
