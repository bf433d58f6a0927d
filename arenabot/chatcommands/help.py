"""The help text, generated from the command registry and the per-scope settings declarations."""

from __future__ import annotations

from collections.abc import Sequence

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, ScopeSetting
from arenabot.config import ArenaSettings


def _line(command: Command, arena: ArenaSettings) -> str:
    details = f"; {command.details.format(**arena.model_dump())}" if command.details else ""
    return f"- `{command.usage()}`: {command.help}{details}"


def setting_line(setting: ScopeSetting, arena: ArenaSettings) -> str:
    field = ArenaSettings.model_fields[setting.key]
    value = getattr(arena, setting.key)
    shown = str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)
    return f"- `{setting.key}` (default {shown}): {field.description or ''}".rstrip()


def help_text(registry: CommandRegistry, settings: Sequence[ScopeSetting], arena: ArenaSettings, surface: str = "text") -> str:
    commands = registry.for_surface(surface)
    lines = ["**Arena commands**"]
    lines += [_line(c, arena) for c in commands if not c.moderator]
    lines += ["**Moderators**"]
    lines += [_line(c, arena) for c in commands if c.moderator]
    if settings:
        lines += ["**Settings** moderators may change here (`set <key> <value>`)"]
        lines += [setting_line(s, arena) for s in settings]
    return "\n".join(lines)
