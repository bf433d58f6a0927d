"""A leaderboard as Block Kit: a header, an aligned table, and a context line."""

from __future__ import annotations

from typing import Any

from arenabot.render import Leaderboard

from .layout import section
from .mrkdwn import escape, to_mrkdwn
from .split import SECTION_LIMIT, split_text

_HEADER_LIMIT = 150  # Slack's limit for a header block's text
_COLUMNS = ("Rank", "Model", "Rating", "95% CI", "Battles", "Win rate")
_RIGHT_ALIGNED = {0, 2, 4, 5}


def _table_lines(board: Leaderboard) -> list[str]:
    rows = [
        (
            str(r.rank),
            r.model,
            f"{r.rating:.0f}",
            f"{r.ci_lower:.0f}–{r.ci_upper:.0f}",
            str(r.battles),
            f"{100 * r.win_rate:.0f}%",
        )
        for r in board.rows
    ]
    widths = [max(len(row[k]) for row in (_COLUMNS, *rows)) for k in range(len(_COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if k in _RIGHT_ALIGNED else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(_COLUMNS), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]


def leaderboard_blocks(board: Leaderboard) -> list[dict[str, Any]]:
    title = board.title if len(board.title) <= _HEADER_LIMIT else board.title[: _HEADER_LIMIT - 1] + "…"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if not board.rows:
        blocks.append(section("No counted votes yet. Start a battle with `/arena battle <prompt>` and vote!"))
        return blocks
    table = "```\n" + escape("\n".join(_table_lines(board))) + "\n```"
    blocks += [section(piece) for piece in split_text(table, SECTION_LIMIT)]
    footer = f"{board.votes} counted vote{'s' if board.votes != 1 else ''} · {board.method}"
    context = [{"type": "mrkdwn", "text": to_mrkdwn(line)} for line in [footer, *board.notes][:10]]
    blocks.append({"type": "context", "elements": context})
    return blocks


def leaderboard_fallback(board: Leaderboard) -> str:
    """Notification text for the leaderboard message."""
    top = ", ".join(r.model for r in board.rows[:3])
    return f"{board.title}: {top}" if top else board.title
