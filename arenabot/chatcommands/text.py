"""Text commands (Slack `/arena ...`, the console's `/...`), parsed from the registry.

A line is the command's name (and subcommand), then its parameters as each declares: words in
order, `name=value` keywords, bare flag words (`global`), and a last parameter that may take the
rest of the line as typed (a prompt, a reason). Quotes group words ("two words").
"""

from __future__ import annotations

import re
from typing import Any

from arenabot.chatcommands.registry import CommandRegistry
from arenabot.chatcommands.spec import Command, CommandContext, Param
from arenabot.replies import Reply, refuse

SURFACE = "text"
_MENTION = re.compile(r"^<[@#!]?([^>|]+)(?:\|[^>]*)?>$")  # Slack/Discord mention syntax
_TOKEN = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))")
_KEYWORD = re.compile(r"^([A-Za-z_]\w*)[:=](.*)$", re.DOTALL)


class UsageError(ValueError):
    pass


def user_ref(text: str) -> str:
    """ "<@U123|ann>" or "<@123>" -> the id inside; anything else as written."""
    match = _MENTION.match(text.strip())
    return match.group(1) if match else text.strip()


def _next_token(text: str) -> tuple[str, str]:
    match = _TOKEN.match(text)
    if match is None:
        return "", ""
    word = next(g for g in match.groups() if g is not None)
    return word, text[match.end() :]


def _convert(param: Param, raw: str) -> Any:
    if param.kind in ("int", "float"):
        try:
            number = int(raw) if param.kind == "int" else float(raw)
        except ValueError:
            raise UsageError(f"{param.name} must be a number, not {raw!r}.") from None
        if param.min_value is not None and number < param.min_value:
            raise UsageError(f"{param.name} must be at least {param.min_value:g}, not {raw}.")
        if param.max_value is not None and number > param.max_value:
            raise UsageError(f"{param.name} must be at most {param.max_value:g}, not {raw}.")
        return number
    if param.kind == "user":
        return user_ref(raw)
    return raw


def parse_arguments(command: Command, text: str) -> dict[str, Any]:
    """The keyword arguments of `command.call` from the text after its name; UsageError if they do not fit."""
    params = [p for p in command.params if p.kind != "file"]
    ordered = [p for p in params if p.text in ("word", "rest")]
    keywords = {p.name: p for p in params if p.text == "keyword"}
    flags = [p for p in params if p.text == "flag"]
    values: dict[str, Any] = {}
    unknown: list[str] = []
    position = 0
    rest = text
    while rest.strip():
        rest = rest.lstrip()
        upcoming = ordered[position] if position < len(ordered) else None
        word, after = _next_token(rest)
        keyword = _KEYWORD.match(word)
        if keyword and keyword.group(1) in keywords:
            values[keyword.group(1)] = _convert(keywords[keyword.group(1)], keyword.group(2))
        elif keywords and keyword and "=" in word and (upcoming is None or upcoming.text != "rest"):
            unknown.append(keyword.group(1))
        elif flag := next((f for f in flags if word.lower() in f.choices), None):
            values[flag.name] = word.lower()
        elif upcoming is None:
            raise UsageError("too many words")
        elif upcoming.text == "rest":
            values[upcoming.name] = rest.strip()
            break
        else:
            values[upcoming.name] = _convert(upcoming, word)
            position += 1
        rest = after
    if unknown:
        names = ", ".join(f"{name}=" for name in keywords)
        raise UsageError(f"Unknown option(s) {', '.join(sorted(unknown))}; use {names}.")
    missing = [p.name for p in params if p.required and p.name not in values]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}")
    return values


def find_command(registry: CommandRegistry, text: str) -> tuple[Command | None, str, str]:
    """(the command, the text after its name, the name as typed) for one line."""
    first, rest = _next_token(text.strip())
    first = first.lower().lstrip("/")
    if not first:
        first = "help"
    command = registry.find((first,))
    if command is not None and SURFACE in command.surfaces:
        return command, rest, first
    sub, after = _next_token(rest)
    command = registry.find((first, sub.lower()))
    if command is not None and SURFACE in command.surfaces:
        return command, after, first
    return None, rest, first


def group_usage(registry: CommandRegistry, group: str) -> str:
    return f"{group} {'|'.join(c.path[1] for c in registry.group(group, SURFACE))} ..."


async def dispatch(registry: CommandRegistry, ctx: CommandContext, text: str) -> Reply:
    command, rest, typed = find_command(registry, text)
    if command is None:
        if registry.group(typed, SURFACE):
            return refuse(f"Usage: `{group_usage(registry, typed)}`")
        return refuse(f"Unknown command `{typed}`. Try `help`.")
    try:
        arguments = parse_arguments(command, rest)
    except UsageError as exc:
        message = str(exc)
        if message[:1].isupper():  # a complete sentence about one value
            return refuse(message)
        return refuse(f"Usage: `{command.usage()}`")
    return await command.call(ctx, **arguments)
