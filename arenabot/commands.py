"""Core CLI subcommands: run, check-config, export, import, leaderboard."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

# The rating fits solve ~100x100 systems: BLAS worker threads only add contention there (and
# spin against the event loop on a small machine). Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from arenabot.config import ConfigError, Settings, load_settings
from arenabot.domain import Actor, Scope
from arenabot.storage import Store, StorageError, backup

# The machine's owner, running commands locally, may do what a moderator may.
CLI_ACTOR = Actor(user_ref="cli", display_name="command line", is_moderator=True)
DEFAULT_IMPORT_SCOPE = "import:cli"


def _settings(args: argparse.Namespace) -> Settings | None:
    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return None


def _scope(key: str) -> Scope:
    scope = Scope.parse(key)
    if not scope.platform or not scope.space:
        raise SystemExit(f"--scope must look like platform:space (e.g. discord:123456789 or console:local), not {key!r}")
    return scope


def config_problems(settings: Settings) -> list[str]:
    """Problems a valid file can still have: secrets named but not set, nothing to sample."""
    problems = []
    for model in settings.models:
        if model.api_key_env and not settings.secret(model.api_key_env):
            problems.append(
                f"models ({model.name}).api_key_env = {model.api_key_env!r}: that environment variable is not set; export it or remove the model"
            )
    usable = [m for m in settings.models if m.enabled and m.weight > 0]
    if len(usable) < 2:
        problems.append("models: fewer than two enabled models with weight > 0; battles need two (add or enable models)")
    return problems


def _check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 1
    problems = config_problems(settings)
    if problems:
        print("Configuration problems:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    from arenabot.app import choose_adapters

    demo = sum(m.is_demo for m in settings.models)
    print(f"Configuration OK: {len(settings.models)} models ({demo} offline demo), database {settings.database.url.split('://')[0]}")
    print(f"Adapters that `arenabot run` would start: {', '.join(a.split('.')[-1] for a in choose_adapters(settings))}")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 1
    from arenabot.app import choose_adapters, run
    from arenabot.logs import setup_logging

    level = settings.ops.log_level
    if choose_adapters(settings) == ["adapters.console"] and level == "INFO":
        level = "WARNING"  # keep the console conversation readable; problems still show on stderr
    setup_logging(level, settings.ops.log_format, secrets=settings.secret_values())
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        return 0
    except StorageError as exc:
        print(f"Database problem: {exc}", file=sys.stderr)
        return 1
    return 0


async def _with_service(settings: Settings, work):
    from arenabot.app import build_core

    async with build_core(settings) as service:
        return await work(service)


def _export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 1
    if args.format == "backup":
        if args.scope:
            print("--scope applies to --format clean_battle only: a backup holds the whole database", file=sys.stderr)
            return 2
        data = asyncio.run(_dump_backup(settings.database.url))
        Path(args.file).write_bytes(data)
        print(f"Backup of the whole database written to {args.file}; restore it with `arenabot import {args.file}` into an empty database.")
        return 0
    scope = _scope(args.scope) if args.scope else Scope("cli", "all")

    async def work(service):
        return await service.export_battles(CLI_ACTOR, scope, global_=args.scope is None)

    reply = asyncio.run(_with_service(settings, work))
    assert reply.file is not None
    Path(args.file).write_bytes(reply.file[1])
    print(f"{reply.text} Written to {args.file}.")
    return 0


async def _dump_backup(url: str) -> bytes:
    store = await Store.open(url, upgrade=True)
    try:
        return backup.to_jsonl(await backup.dump(store))
    finally:
        await store.close()


async def _restore_backup(url: str, data: bytes) -> dict[str, int]:
    # Store.open, not build_core: seeding the model registry would make the target non-empty.
    store = await Store.open(url, upgrade=True)
    try:
        return await backup.restore(store, backup.from_jsonl(data))
    finally:
        await store.close()


def _is_backup(data: bytes) -> bool:
    first_line = data.lstrip()[:4096].split(b"\n", 1)[0]
    try:
        header = json.loads(first_line)
    except ValueError:
        return False
    return isinstance(header, dict) and header.get("format") == backup.FORMAT


def _import(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 1
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    if _is_backup(data):
        try:
            counts = asyncio.run(_restore_backup(settings.database.url, data))
        except StorageError as exc:
            print(f"Cannot restore {args.file}: {exc}", file=sys.stderr)
            return 1
        print(f"Restored {sum(counts.values())} rows into {len(counts)} tables from {args.file}.")
        return 0

    async def work(service):
        return await service.import_battles(CLI_ACTOR, _scope(args.scope), data)

    reply = asyncio.run(_with_service(settings, work))
    print(reply.text, file=sys.stdout if reply.ok else sys.stderr)
    return 0 if reply.ok else 1


def _leaderboard(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 1
    scope = _scope(args.scope) if args.scope else Scope("cli", "all")

    async def work(service):
        return await service.leaderboard(scope, category=args.category, global_=args.scope is None, top=args.top)

    reply = asyncio.run(_with_service(settings, work))
    from adapters.console.platform import to_console

    print(to_console(reply.text, ansi=sys.stdout.isatty()), file=sys.stdout if reply.ok else sys.stderr)
    return 0 if reply.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    p = sub.add_parser("run", help="start the arena: Discord and/or Slack when their tokens are set, else the console")
    p.set_defaults(handler=_run)

    p = sub.add_parser("check-config", help="validate the configuration; prints problems and exits non-zero")
    p.set_defaults(handler=_check_config)

    p = sub.add_parser("export", help="back up the whole database (default), or write battles as Chatbot Arena clean_battle JSON")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["backup", "clean_battle"], default="backup",
                   help="backup: every row, restorable exactly with `arenabot import`; clean_battle: one record per blind vote")
    p.add_argument("--scope", help="clean_battle only: just this scope, e.g. discord:123456789 (default: all scopes)")
    p.set_defaults(handler=_export)

    p = sub.add_parser("import", help="restore a backup into an empty database, or add clean_battle JSON (array or JSON lines) as closed battles")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--scope", default=DEFAULT_IMPORT_SCOPE, help=f"clean_battle only: scope the battles belong to (default: {DEFAULT_IMPORT_SCOPE})")
    p.set_defaults(handler=_import)

    p = sub.add_parser("leaderboard", help="print a leaderboard from the database")
    p.add_argument("--category", help="one category, e.g. coding, math, creative_writing, english")
    p.add_argument("--scope", help="one scope, e.g. console:local (default: global)")
    p.add_argument("--top", type=int, default=20)
    p.set_defaults(handler=_leaderboard)
