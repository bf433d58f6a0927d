"""The help text, generated from the command registry and the per-scope settings declarations."""

from __future__ import annotations

from collections.abc import Sequence

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, ScopeSetting
from arenabot.config import ArenaSettings


def _line(command: Command, arena: ArenaSettings) -> str:
    details = f"; {command.details.format(**arena.model_dump())}" if command.details else ""
    return f"- `{command.usage()}`: {command.help}{details}"


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


def settings_line(settings: Sequence[ScopeSetting], arena: ArenaSettings) -> str:
    """One line: the help must fit one chat message (Discord: 2,000 characters) as commands
    grow; each key's meaning is in docs/configuration.md."""
    keys = ", ".join(f"`{s.key}`={_shown(getattr(arena, s.key))}" for s in settings)
    return f"**Settings** moderators may change here with `set <key> <value>` (current defaults): {keys}"


def help_text(
    registry: CommandRegistry,
    settings: Sequence[ScopeSetting],
    arena: ArenaSettings,
    surface: str = "text",
    moderator: bool = True,
) -> str:
    """Members get their commands (one chat message); moderators also get theirs and the settings."""
    commands = registry.for_surface(surface)
    lines = ["**Arena commands**"]
    lines += [_line(c, arena) for c in commands if not c.moderator]
    if not moderator:
        count = sum(c.moderator for c in commands)
        lines.append(f"Moderators have {count} more commands and the per-server settings; `help` lists them for them.")
        return "\n".join(lines)
    lines += ["**Moderators**"]
    lines += [_line(c, arena) for c in commands if c.moderator]
    if settings:
        lines.append(settings_line(settings, arena))
    return "\n".join(lines)
