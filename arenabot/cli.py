"""`arenabot` command line. Each feature module contributes its subcommands through `register`.

Start-up is kept instant: `arenabot --help` imports no command module at all (the one-line help
below is all it shows), and `arenabot CMD ...` imports only the module that defines CMD. Those
modules keep heavy imports (SQLAlchemy, numpy, discord.py, ...) inside their handlers.

Every error is one line on stderr with a non-zero exit code; `--debug` prints the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

# command: (module whose `register(subparsers)` defines it, help shown by `arenabot --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("arenabot.commands", "start the arena: Discord and/or Slack when their tokens are set, else the console"),
    "check-config": ("arenabot.commands", "validate the configuration; prints problems and exits non-zero"),
    "leaderboard": ("arenabot.commands", "print a leaderboard from the database (table, json, csv or markdown)"),
    "export": ("arenabot.commands", "back up the whole database, or write battles as Chatbot Arena clean_battle JSON"),
    "import": ("arenabot.commands", "restore a backup into an empty database, or add clean_battle JSON as closed battles"),
    "ratings": ("arenabot.ratings_cli", "leaderboard (Bradley-Terry, Elo, style control) from a battle log"),
    "models": ("arenabot.providers.cli", "work with the models the arena can reach (discover)"),
    "db": ("arenabot.storage.cli", "database schema: upgrade, current"),
    "discord": ("arenabot.adapters.discord.cli", "run only the Discord bot (optionally some shards)"),
    "slack": ("arenabot.adapters.slack.cli", "run only the Slack app (Socket Mode or HTTP)"),
}


class CliError(Exception):
    """A problem the user can fix, shown as one line: `arenabot CMD: error: MESSAGE`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one line (plus where to look) instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("arenabot")
        except PackageNotFoundError:
            text = "unknown (not installed)"
        print(f"arenabot {text}")  # stdout, as argparse's own version action and other tools do
        parser.exit()


def _common_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options every command takes, before or after the command's name."""
    default = (lambda value: value) if defaults else (lambda value: argparse.SUPPRESS)
    parser.add_argument(
        "--config", default=default(None), help="TOML settings file (default: $ARENABOT_CONFIG or ./arenabot.toml)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False), help="no progress bars")
    parser.add_argument(
        "--debug", action="store_true", default=default(False), help="show the full traceback when something fails"
    )


def _load_command_module(name: str) -> ModuleType:
    """Import NAME (a `package.cli` module) without first running its package's __init__ when
    that is not loaded yet: those load SQLAlchemy, aiohttp or pydantic, which a command's
    argparse definitions never need. The package itself loads normally when a handler uses it."""
    if name in sys.modules:
        return sys.modules[name]
    parent, _, leaf = name.rpartition(".")
    if parent.count(".") == 0 or parent in sys.modules:
        return importlib.import_module(name)
    # Where the parent package lives (find_spec loads the grandparents, which are light, but not
    # the parent): in a checkout arenabot.adapters is the repository's adapters/ directory.
    parent_spec = importlib.util.find_spec(parent)
    if parent_spec is None or not parent_spec.submodule_search_locations:
        return importlib.import_module(name)
    path = Path(next(iter(parent_spec.submodule_search_locations))) / f"{leaf}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return importlib.import_module(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def chosen_command(argv: list[str]) -> str | None:
    """The command named in argv, skipping top-level options (and --config's value)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--config":
            skip = True
        elif not token.startswith("-"):
            return token if token in COMMANDS else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with full definitions only for the command argv names (all when argv is None)."""
    parser = ArgumentParser(prog="arenabot", description="Chatbot Arena for Discord, Slack and the console.")
    parser.add_argument("--version", action=_VersionAction, help="show arenabot's version and exit")
    _common_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = chosen_command(argv) if argv is not None else None
    modules = (
        dict.fromkeys(module for module, _ in COMMANDS.values())
        if argv is None
        else ({COMMANDS[chosen][0]: None} if chosen else {})
    )
    for name in modules:
        try:
            module = _load_command_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for name, (_, help_text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_text)  # described only: its module is not loaded
    for command_parser in _all_parsers(sub):
        _common_options(command_parser, defaults=False)
    return parser


def _all_parsers(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    found = []
    for parser in dict.fromkeys(sub.choices.values()):
        found.append(parser)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.extend(_all_parsers(action))
    return found


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if isinstance(exc, (CliError, OSError)) and text else f"{type(exc).__name__}: {text}".rstrip(": ")


def main(argv: list[str] | None = None) -> int:
    # The rating fits solve ~100x100 systems: BLAS worker threads only add contention there (and
    # spin against the event loop on a small machine). Must be set before numpy loads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if not handler:
        parser.print_help()
        return 2
    from arenabot import progress

    progress.configure(quiet=args.quiet)
    where = f"arenabot {args.command}"
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"{where}: error: {_one_line(exc)}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            import traceback

            traceback.print_exc()
        else:
            print(f"{where}: error: {_one_line(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
