"""The help text, generated from the command registry and the per-scope settings declarations."""

from __future__ import annotations

from collections.abc import Sequence

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, HelpStyle, ScopeSetting
from arenabot.config import ArenaSettings

TEXT = HelpStyle("text", Command.usage)


def _line(command: Command, arena: ArenaSettings, style: HelpStyle) -> str:
    details = f"; {command.details.format(**arena.model_dump())}" if command.details else ""
    return f"- `{style.usage(command)}`: {command.help}{details}"


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


def settings_line(settings: Sequence[ScopeSetting], arena: ArenaSettings, how: str = "set <key> <value>") -> str:
    """One line: the help must fit one chat message (Discord: 2,000 characters) as commands
    grow; each key's meaning is in docs/configuration.md."""
    keys = ", ".join(f"`{s.key}`={_shown(getattr(arena, s.key))}" for s in settings)
    return f"**Settings** moderators may change here with `{how}` (current defaults): {keys}"


def help_text(
    registry: CommandRegistry,
    settings: Sequence[ScopeSetting],
    arena: ArenaSettings,
    moderator: bool = True,
    style: HelpStyle = TEXT,
) -> str:
    """Members get their commands (one chat message); moderators also get theirs and the settings."""
    commands = registry.for_surface(style.surface)
    lines = ["**Arena commands**"]
    lines += [_line(c, arena, style) for c in commands if not c.moderator]
    if not moderator:
        count = sum(c.moderator for c in commands)
        helper = registry.find(("help",))
        asking = style.usage(helper) if helper is not None else "help"
        lines.append(f"Moderators have {count} more commands and the per-server settings; `{asking}` lists them for them.")
        return "\n".join(lines)
    lines += ["**Moderators**"]
    lines += [_line(c, arena, style) for c in commands if c.moderator]
    if settings:
        setter = registry.find(("set",))
        lines.append(settings_line(settings, arena, style.usage(setter) if setter is not None else "set <key> <value>"))
    return "\n".join(lines)
