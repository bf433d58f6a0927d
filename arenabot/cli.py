"""`arenabot` command line. Each feature module contributes its subcommands through `register`."""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules that expose `register(subparsers)`; each adds its own subcommands.
_COMMAND_MODULES = [
    "arenabot.ratings_cli",
    "arenabot.commands",
    "arenabot.providers.cli",
    "arenabot.storage.cli",
    "adapters.discord.cli",
    "adapters.slack.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arenabot", description="Chatbot Arena for Discord, Slack and the console.")
    parser.add_argument("--config", help="TOML settings file (default: $ARENABOT_CONFIG or ./arenabot.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
