"""Core CLI subcommands: run, check-config, export, import, leaderboard.

Defining these commands imports nothing heavy: configuration (pydantic), storage (SQLAlchemy)
and the service load inside the handlers, so `arenabot --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arenabot.cli import CliError

if TYPE_CHECKING:
    from arenabot.config import Settings
    from arenabot.domain import Actor, Scope

DEFAULT_IMPORT_SCOPE = "import:cli"


def cli_actor() -> Actor:
    """The machine's owner, running commands locally, may do what a moderator may."""
    from arenabot.domain import Actor

    return Actor(user_ref="cli", display_name="command line", is_moderator=True)


def _settings(args: argparse.Namespace) -> Settings:
    import logging

    from arenabot.config import ConfigError, load_settings

    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations at start-up say nothing unless wrong

    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        raise CliError(f"{exc} (`arenabot check-config` lists every problem)") from exc


def _scope(key: str) -> Scope:
    from arenabot.domain import Scope

    scope = Scope.parse(key)
    if not scope.platform or not scope.space:
        raise CliError(f"--scope must look like platform:space (e.g. discord:123456789 or console:local), not {key!r}", 2)
    return scope


def config_problems(settings: Settings) -> list[str]:
    """Problems a valid file can still have: secrets named but not set, nothing to sample."""
    problems = []
    for model in settings.models:
        if model.api_key_env and not settings.secret(model.api_key_env):
            problems.append(
                f"models ({model.name}).api_key_env = {model.api_key_env!r}: that environment variable is not set; export it or remove the model"
            )
    moderation = settings.moderation
    if moderation.api_key_env and not settings.secret(moderation.api_key_env):
        problems.append(
            f"moderation.api_key_env = {moderation.api_key_env!r}: that environment variable is not set; export the key in it, or remove the key if the endpoint needs none"
        )
    if moderation.api_key_env and not moderation.base_url:
        problems.append(
            "moderation.api_key_env is set but moderation.base_url is not: set the endpoint's base URL, or remove the key"
        )
    usable = [m for m in settings.models if m.enabled and m.weight > 0]
    if len(usable) < 2:
        problems.append("models: fewer than two enabled models with weight > 0; battles need two (add or enable models)")
    return problems


def _check_config(args: argparse.Namespace) -> int:
    from arenabot.config import ConfigError, load_settings

    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)  # listing every problem is this command's job
        return 1
    problems = config_problems(settings)
    if problems:
        print("Configuration problems:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    if args.connect:
        import asyncio

        findings = asyncio.run(_connect_checks(settings))
        for finding in findings:
            print(f"  {finding.mark} {finding.text}", file=sys.stdout if finding.ok else sys.stderr)
        if not all(f.ok for f in findings):
            print("Connection checks failed: fix the lines marked FAIL.", file=sys.stderr)
            return 1
    from arenabot.app import choose_adapters

    demo = sum(m.is_demo for m in settings.models)
    print(
        f"Configuration OK: {len(settings.models)} models ({demo} offline demo), database {settings.database.url.split('://')[0]}"
    )
    print(f"Adapters that `arenabot run` would start: {', '.join(a.split('.')[-1] for a in choose_adapters(settings))}")
    return 0


async def _connect_checks(settings: Settings) -> list:
    """The database (read only) and a one-token request to every enabled model."""
    from arenabot.checkup import Finding, check_models
    from arenabot.providers import ProviderHub
    from arenabot.storage import StorageError
    from arenabot.storage.reach import check_database

    try:
        findings = [Finding(True, await check_database(settings.database.url))]
    except StorageError as exc:
        findings = [Finding(False, str(exc))]
    else:
        from arenabot.app import in_both_text
        from arenabot.storage.reach import models_added_in_chat

        in_chat = set(await models_added_in_chat(settings.database.url) or ())
        findings += [Finding(True, in_both_text(m.name), warning=True) for m in settings.models if m.name in in_chat]
    hub = ProviderHub(settings)
    try:
        findings += await check_models(hub, settings.models)
    finally:
        await hub.close()
    if settings.moderation.base_url:
        findings.append(await _moderation_check(settings))
    return findings


async def _moderation_check(settings: Settings) -> Any:
    """One harmless text to the moderation endpoint."""
    from arenabot.checkup import Finding
    from arenabot.providers.moderation import ModerationClient, ModerationUnavailable

    client = ModerationClient(settings.moderation, settings.secret(settings.moderation.api_key_env))
    try:
        await client.check(["hello"])
    except ModerationUnavailable as exc:
        return Finding(False, f"moderation endpoint: {exc}")
    finally:
        await client.close()
    return Finding(True, f"moderation endpoint {client.url}: answers")


def console_without_input(stdin) -> bool:
    """True when the console would start with nobody to talk to: stdin closed, or not a terminal
    and holding nothing to read (a container's /dev/null). A pipe or a file of prompts is fine."""
    import os
    import stat

    try:
        if stdin is None or stdin.isatty():
            return stdin is None
        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError):  # closed, or no file descriptor at all
        return True
    return stat.S_ISCHR(mode)  # a character device that is not a terminal: /dev/null and the like


def no_platform_text(settings: Settings) -> str:
    return (
        "no chat platform to run and no terminal for the console: set "
        f"{settings.discord.token_env} (Discord) or {settings.slack.bot_token_env} and "
        f"{settings.slack.app_token_env} (Slack), or run with a terminal attached (docker run -it)"
    )


def _run(args: argparse.Namespace) -> int:
    import asyncio

    settings = _settings(args)
    from arenabot.app import choose_adapters, run

    if choose_adapters(settings) == ["arenabot.adapters.console"] and console_without_input(sys.stdin):
        # Exiting 0 here made `restart: unless-stopped` start the container again, forever.
        raise CliError(no_platform_text(settings), 2)
    from arenabot.logs import setup_logging
    from arenabot.storage import StorageError

    level = settings.ops.log_level
    if choose_adapters(settings) == ["arenabot.adapters.console"] and level == "INFO":
        level = "WARNING"  # keep the console conversation readable; problems still show on stderr
    setup_logging(level, settings.ops.log_format, secrets=settings.secret_values())
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        return 0
    except StorageError as exc:
        raise CliError(f"Database problem: {exc}") from exc
    return 0


async def _with_service(settings: Settings, work):
    from arenabot.app import build_core

    async with build_core(settings) as service:
        return await work(service)


def _export(args: argparse.Namespace) -> int:
    import asyncio

    from arenabot import progress
    from arenabot.domain import Scope

    settings = _settings(args)
    if args.format == "backup":
        if args.scope or args.with_conversations:
            option = "--scope" if args.scope else "--with-conversations"
            raise CliError(f"{option} applies to --format clean_battle only: a backup holds the whole database", 2)
        with progress.busy("exporting the database"):
            data = asyncio.run(_dump_backup(settings.database.url))
        _write(args.file, data)
        print(
            f"Backup of the whole database written to {args.file}; restore it with `arenabot import {args.file}` into an empty database."
        )
        return 0
    scope = _scope(args.scope) if args.scope else Scope("cli", "all")

    async def work(service):
        return await service.export_battles(
            cli_actor(), scope, global_=args.scope is None, with_conversations=args.with_conversations
        )

    with progress.busy("exporting battles"):
        reply = asyncio.run(_with_service(settings, work))
    assert reply.file is not None
    _write(args.file, reply.file[1])
    print(f"{reply.text} Written to {args.file}.")
    return 0


def _write(file: str, data: bytes) -> None:
    from arenabot import progress

    with open(file, "wb") as out, progress.bar(f"writing {file}", total=len(data), bytes_=True) as step:
        view, block = memoryview(data), 1 << 22
        for start in range(0, len(data), block):
            step(out.write(view[start : start + block]))


async def _dump_backup(url: str) -> bytes:
    from arenabot.storage import Store, backup

    store = await Store.open(url, upgrade=True)
    try:
        return backup.to_jsonl(await backup.dump(store))
    finally:
        await store.close()


async def _restore_backup(url: str, data: bytes) -> dict[str, int]:
    from arenabot.storage import Store, backup

    # Store.open, not build_core: seeding the model registry would make the target non-empty.
    store = await Store.open(url, upgrade=True)
    try:
        return await backup.restore(store, backup.from_jsonl(data))
    finally:
        await store.close()


def _is_backup(head: bytes) -> bool:
    import json

    from arenabot.storage import backup

    first_line = head.lstrip()[:4096].split(b"\n", 1)[0]
    try:
        header = json.loads(first_line)
    except (ValueError, RecursionError):
        return False
    return isinstance(header, dict) and header.get("format") == backup.FORMAT


def _import(args: argparse.Namespace) -> int:
    import asyncio

    settings = _settings(args)
    path = Path(args.file)
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise CliError(f"Cannot read {args.file}: {exc.strerror}") from exc
    if _is_backup(head):
        from arenabot.storage import StorageError

        try:
            counts = asyncio.run(_restore_backup(settings.database.url, path.read_bytes()))
        except StorageError as exc:
            raise CliError(f"Cannot restore {args.file}: {exc}") from exc
        print(f"Restored {sum(counts.values())} rows into {len(counts)} tables from {args.file}.")
        return 0
    scope = _scope(args.scope)
    imported, duplicates, bad = asyncio.run(_import_into(settings.database.url, path, scope))
    text = f"Imported {imported} battles; {duplicates} were already here"
    if bad:
        shown = "\n".join(f"- {line}" for line in bad[:10])
        more = f"\n- ... and {len(bad) - 10} more" if len(bad) > 10 else ""
        text += f"; {len(bad)} records were rejected:\n{shown}{more}"
    ok = not bad or imported > 0
    print(text + ("." if not bad else ""), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


async def _import_into(url: str, path: Path, scope: Scope) -> tuple[int, int, list[str]]:
    # Store.open, not build_core: seeding the model registry would leave a database this import
    # failed on non-empty, and a backup could no longer be restored into it.
    from arenabot.storage import Store

    store = await Store.open(url, upgrade=True)
    try:
        return await _import_log(store, path, scope)
    finally:
        await store.close()


async def _import_log(store, path: Path, scope: Scope) -> tuple[int, int, list[str]]:
    """Streams the log through the reader `arenabot ratings` uses, storing a batch at a time."""
    import re
    from datetime import datetime, timezone

    from arenabot import battlelog, progress

    imported = duplicates = 0
    bad: list[str] = []
    offset = 0
    renumber = re.compile(r"^record (\d+):")
    with path.open("rb") as fh, progress.bar("importing", total=path.stat().st_size, bytes_=True) as step:  # noqa: ASYNC240 (CLI: nothing else runs on this loop)
        try:
            for batch in battlelog.iter_record_batches(fh, progress=step):
                report = await store.import_clean_battles(batch, scope.key, datetime.now(timezone.utc))
                imported += report.imported
                duplicates += report.duplicates
                # The store numbers records within the batch; say where they are in the file.
                bad += [renumber.sub(lambda m: f"record {int(m.group(1)) + offset}:", line) for line in report.bad]  # noqa: B023 (called right away)
                offset += len(batch)
        except battlelog.LogError as exc:
            raise CliError(f"Cannot read {path}: {exc} (expected a JSON array or JSON lines of clean_battle records)") from exc
    return imported, duplicates, bad


def _leaderboard(args: argparse.Namespace) -> int:
    import asyncio

    from arenabot.domain import Scope

    settings = _settings(args)
    scope = _scope(args.scope) if args.scope else Scope("cli", "all")
    if args.as_of or args.history or args.html:  # published boards
        if args.style:
            raise CliError("--style applies to the live board only, not with --as-of, --history or --html", 2)
        from arenabot.features.publishing import cli as published

        published.check(args)
        category = _category(args.category)

        async def publishing(service):
            return await published.run(service, args, category)

        print(asyncio.run(_with_service(settings, publishing)))
        return 0

    async def work(service):
        return await service.leaderboard(
            scope, category=args.category, global_=args.scope is None, top=args.top, mode=args.mode, style=args.style
        )

    reply = asyncio.run(_with_service(settings, work))
    if not reply.ok or reply.board is None:
        raise CliError(" ".join(reply.text.replace("**", "").split()))
    print(_render_leaderboard(reply.board, args.output))
    if args.png:
        _leaderboard_chart(args.png, reply.board)
    return 0


def _category(name: str | None) -> str:
    from arenabot.categories import normalise_category

    try:
        return normalise_category(name) if name else ""
    except ValueError as exc:
        raise CliError(f"--category: {exc}", 2) from None


def _leaderboard_chart(path: str, board) -> None:
    from arenabot.chart import centred, write_png

    try:
        write_png(path, board.rows, board.title, groups=board.groups, reference=centred(1000.0, len(set(board.groups.values()))))
    except RuntimeError as exc:
        raise CliError(f"--png: {exc}") from exc
    except OSError as exc:
        raise CliError(f"--png: cannot write {path}: {exc.strerror or exc}") from exc
    print(f"chart: {path}", file=sys.stderr)


def _render_leaderboard(board, output: str) -> str:
    from arenabot import boardformat

    if output == "json":
        import json

        return json.dumps(
            {
                "title": board.title,
                "method": board.method,
                "votes": board.votes,
                "notes": list(board.notes),
                "models": [
                    {
                        "model": r.model,
                        "rating": r.rating,
                        "ci_lower": r.ci_lower,
                        "ci_upper": r.ci_upper,
                        "rank": r.rank,
                        "battles": r.battles,
                        "win_rate": r.win_rate,
                    }
                    for r in board.rows
                ],
            },
            indent=1,
        )
    if not board.rows:
        return f"{board.title}\nNo counted votes yet. Start a battle and vote!"
    footer = [f"{board.votes} counted vote{'s' if board.votes != 1 else ''} · {board.method}", *board.notes]
    view = boardformat.BoardView(board.rows, footer, title=board.title, groups=board.groups)
    return boardformat.render(view, output, sys.stdout)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the arena: Discord and/or Slack when their tokens are set, else the console")
    p.set_defaults(handler=_run)

    p = sub.add_parser("check-config", help="validate the configuration; prints problems and exits non-zero")
    p.add_argument(
        "--connect",
        action="store_true",
        help="also connect: open the database (changing nothing) and send each enabled model a one-token request",
    )
    p.set_defaults(handler=_check_config)

    p = sub.add_parser("export", help="back up the whole database (default), or write battles as Chatbot Arena clean_battle JSON")
    p.add_argument("file", metavar="FILE", help="file to write (replaced if it exists)")
    p.add_argument(
        "--format",
        choices=["backup", "clean_battle"],
        default="backup",
        help="backup: every row, restorable exactly with `arenabot import`; clean_battle: one record per blind vote",
    )
    p.add_argument("--scope", help="clean_battle only: just this scope, e.g. discord:123456789 (default: all scopes)")
    p.add_argument(
        "--with-conversations",
        action="store_true",
        help="clean_battle only: add conversation_a and conversation_b (the judged turns, as role/content messages)",
    )
    p.set_defaults(handler=_export)

    p = sub.add_parser(
        "import", help="restore a backup into an empty database, or add clean_battle JSON (array or JSON lines) as closed battles"
    )
    p.add_argument("file", metavar="FILE", help="a backup from `arenabot export`, or clean_battle JSON / JSON lines")
    p.add_argument(
        "--scope",
        default=DEFAULT_IMPORT_SCOPE,
        help=f"clean_battle only: scope the battles belong to (default: {DEFAULT_IMPORT_SCOPE})",
    )
    p.set_defaults(handler=_import)

    p = sub.add_parser("leaderboard", help="print a leaderboard from the database")
    p.add_argument("--category", help="one category, e.g. coding, math, creative_writing, english")
    p.add_argument("--scope", help="one scope, e.g. console:local (default: global)")
    p.add_argument("--top", type=int, default=20, help="show at most this many models (default: 20)")
    p.add_argument(
        "--style", action="store_true", help="style control: reply length and markdown (from the stored replies) held equal"
    )
    p.add_argument(
        "--output",
        choices=("table", "json", "csv", "markdown"),
        default="table",
        help="table (default), json, csv (spreadsheets) or markdown (to paste into Discord, Slack, a README)",
    )
    p.add_argument("--json", dest="output", action="store_const", const="json", help="the same as --output json")
    p.add_argument(
        "--mode", choices=("anonymous", "named"), default="anonymous", help="blind battles' board (default) or named ones'"
    )
    # Published boards (arenabot/features/publishing/cli.py does the work).
    p.add_argument("--as-of", metavar="DATE", help="the board as published on or before DATE (2026-01-31 or 2026-01-31T18:00)")
    p.add_argument("--history", metavar="MODEL", help="MODEL's rating at every published board")
    p.add_argument(
        "--png",
        metavar="FILE",
        help="also draw the board as a chart into FILE (PNG); with --history, that model's rating over time",
    )
    p.add_argument("--html", metavar="FILE", help="write the boards as one static web page (plain HTML and CSS)")
    p.set_defaults(handler=_leaderboard)
