"""The one list of chat commands every surface is generated from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from arenabot.chatcommands.spec import Command

DISCORD_TEXT_LIMIT = 100  # descriptions of commands and options
DISCORD_CHOICES_LIMIT = 25


def declaration_problems(command: Command) -> list[str]:
    """What would make a surface reject or misread the command, found when it is declared."""
    problems = []
    texts = [command.help, *(p.help for p in command.params)]
    if any(not text or len(text) > DISCORD_TEXT_LIMIT for text in texts):
        problems.append(f"every help text needs 1 to {DISCORD_TEXT_LIMIT} characters")
    if any(len(p.choices) > DISCORD_CHOICES_LIMIT for p in command.params):
        problems.append(f"at most {DISCORD_CHOICES_LIMIT} choices (use suggest= for more)")
    if any(not p.name.isidentifier() for p in command.params):
        problems.append("parameter names must be identifiers")
    ordered = [p for p in command.params if p.text in ("word", "rest") and p.kind != "file"]
    if any(p.text == "rest" for p in ordered[:-1]):
        problems.append("only the last ordered parameter may take the rest of the line")
    return problems


class CommandRegistry:
    def __init__(self, commands: Iterable[Command] = ()):
        self._commands: dict[tuple[str, ...], Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> None:
        if not 1 <= len(command.path) <= 2:
            raise ValueError(f"{command.name!r}: a command is a name or a group and a name")
        if command.path in self._commands:
            raise ValueError(f"command {command.name!r} is declared twice")
        group, leaf = command.path[0], len(command.path) == 1
        # A name is either a command or a group of subcommands, never both.
        if any(p[0] == group and (len(p) == 1) != leaf for p in self._commands):
            raise ValueError(f"{group!r} cannot be both a command and a group")
        problems = declaration_problems(command)
        if problems:
            raise ValueError(f"{command.name!r}: {'; '.join(problems)}")
        self._commands[command.path] = command

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def for_surface(self, surface: str) -> list[Command]:
        return [c for c in self if surface in c.surfaces]

    def group(self, name: str, surface: str) -> list[Command]:
        """The subcommands of group `name` (empty when it is a plain command or unknown)."""
        return [c for c in self.for_surface(surface) if len(c.path) == 2 and c.path[0] == name]

    def find(self, path: tuple[str, ...]) -> Command | None:
        return self._commands.get(path)

    def copy(self) -> CommandRegistry:
        return CommandRegistry(self)
