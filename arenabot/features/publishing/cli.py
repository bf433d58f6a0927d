"""`arenabot leaderboard --as-of DATE`, `--history MODEL [--png FILE]` and `--html FILE`: published
boards from the command line (called by arenabot/commands.py's leaderboard handler)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from arenabot.cli import CliError
from arenabot.features.publishing import movement
from arenabot.features.publishing.timing import parse_moment, when_text
from arenabot.storage import publications
from arenabot.storage.publications import Snapshot

if TYPE_CHECKING:
    from arenabot.arena import ArenaService


def check(args: argparse.Namespace) -> None:
    chosen = [flag for flag, value in (("--as-of", args.as_of), ("--history", args.history), ("--html", args.html)) if value]
    if len(chosen) > 1:
        raise CliError(f"use one of {', '.join(chosen)} at a time", 2)
    if args.png and not args.history:
        raise CliError("--png draws a --history chart: add --history MODEL", 2)
    if args.as_of:
        try:
            parse_moment(args.as_of)
        except ValueError as exc:
            raise CliError(f"--as-of: {str(exc).replace('`', '')}", 2) from None


async def _scope_key(service: ArenaService, scope: str | None) -> str:
    """--scope, or the one scope with published boards."""
    if scope:
        return scope
    scopes = await service.store.run_read(publications.snapshot_scopes)
    if len(scopes) == 1:
        return scopes[0]
    if not scopes:
        raise CliError("no board has been published yet (moderators: `publish`; or [[publish]] in arenabot.toml)")
    raise CliError(f"boards are published in several scopes: add --scope, one of {', '.join(scopes)}", 2)


async def run(service: ArenaService, args: argparse.Namespace, category: str) -> str | None:
    """The text to print (None when a file was written and said so)."""
    mode = args.mode
    if args.html:
        from arenabot.features.publishing import page

        boards = await service.publishing.page_boards(args.scope)
        title = f"Arena leaderboards - {args.scope}" if args.scope else "Arena leaderboards - all servers and workspaces"
        html = page.render(title, boards, service.now())
        await asyncio.to_thread(Path(args.html).write_text, html, encoding="utf-8")
        return f"Wrote {len(boards)} board{'s' if len(boards) != 1 else ''} to {args.html} (one page, no external assets)."
    scope_key = await _scope_key(service, args.scope)
    if args.history:
        return await _history(service, scope_key, args.history, category, mode, args.png)
    found = await service.publishing.snapshot_as_of(scope_key, category, mode, parse_moment(args.as_of))
    if found is None:
        name = category or "overall"
        raise CliError(f"no {name} {mode} board of {scope_key} was published on or before {args.as_of}")
    snapshot, previous = found
    return _as_of_output(scope_key, snapshot, previous, args.output)


def _as_of_output(scope_key: str, snapshot: Snapshot, previous: Snapshot | None, output: str) -> str:
    moves = movement.moves(snapshot.rows, previous)
    if output == "json":
        return json.dumps(
            {
                "scope": scope_key,
                "published_at": snapshot.taken_at.isoformat(),
                "previous_at": previous.taken_at.isoformat() if previous else None,
                "models": [{**row.__dict__, "move": move} for row, move in zip(snapshot.rows, moves, strict=True)],
            },
            indent=1,
        )
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["rank", "move", "model", "rating", "ci_lower", "ci_upper", "battles"])
        for row, move in zip(snapshot.rows, moves, strict=True):
            writer.writerow(
                [row.rank, move, row.model, f"{row.rating:.4f}", f"{row.ci_lower:.4f}", f"{row.ci_upper:.4f}", row.battles]
            )
        return buffer.getvalue().rstrip("\n")
    text = movement.board_text(f"Leaderboard - {scope_key}", snapshot.taken_at, snapshot.rows, previous)
    return text if output == "markdown" else text.replace("**", "").replace("```\n", "").replace("\n```", "")


async def _history(service: ArenaService, scope_key: str, model: str, category: str, mode: str, png: str | None) -> str:
    points = await service.publishing.history(scope_key, model, category, mode)
    if not points:
        raise CliError(f"{model!r} is on no published {category or 'overall'} board of {scope_key} (names are exact)")
    lines = [f"{model} on {scope_key}'s published {category or 'overall'} boards:"]
    lines += [
        f"{when_text(at)}  rank {row.rank:>3}  {row.rating:7.1f}  ({row.ci_lower:.1f} - {row.ci_upper:.1f})  {row.battles} battles"
        for at, row in points
    ]
    if png:
        from arenabot import chart

        data = chart.history_png(points, model)
        if data is None:
            raise CliError("drawing needs matplotlib: pip install 'arenabot[plot]'")
        await asyncio.to_thread(Path(png).write_bytes, data)
        lines.append(f"Chart written to {png}.")
    return "\n".join(lines)
