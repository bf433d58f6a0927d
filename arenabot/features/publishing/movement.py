"""A published board as text: each model's rank movement since the previous publication
(▲n up, ▼n down, = unchanged, new) and the battles added in between."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from arenabot.features.publishing.timing import when_text
from arenabot.storage.publications import Snapshot, SnapshotRow


def moves(rows: Sequence[SnapshotRow], previous: Snapshot | None) -> list[str]:
    before = {row.model: row.rank for row in previous.rows} if previous else {}
    out = []
    for row in rows:
        old = before.get(row.model)
        if old is None:
            out.append("new")
        elif old > row.rank:
            out.append(f"▲{old - row.rank}")
        elif old < row.rank:
            out.append(f"▼{row.rank - old}")
        else:
            out.append("=")
    return out


def battles_in(rows: Sequence[SnapshotRow]) -> int:
    """Counted votes behind a board: each one is a battle of two of its models (Chatbot Arena's
    sense of "battle"), so the per-model counts add up to twice the total."""
    return sum(row.battles for row in rows) // 2


def board_text(title: str, taken_at: datetime, rows: Sequence[SnapshotRow], previous: Snapshot | None) -> str:
    head = f"**{title}** (published {when_text(taken_at)})"
    if not rows:
        return f"{head}\nNo counted votes yet. Start a battle and vote!"
    if previous is None:
        since = "First publication: movement is shown from the next one on."
    else:
        added = battles_in(rows) - battles_in(previous.rows)
        since = (
            f"{added} battle{'s' if added != 1 else ''} added since the previous publication ({when_text(previous.taken_at)})."
        )
    header = ("Rank", "Move", "Model", "Rating", "95% CI", "Battles")
    cells = [
        (
            str(r.rank),
            move,
            r.model,
            f"{r.rating:.0f}",
            f"{r.ci_lower - r.rating:+.0f}/{r.ci_upper - r.rating:+.0f}",
            str(r.battles),
        )
        for r, move in zip(rows, moves(rows, previous), strict=True)
    ]
    widths = [max(len(c[k]) for c in [header, *cells]) for k in range(len(header))]
    left = {1, 2}

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if k in left else v.rjust(w) for k, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    table = "\n".join([line(header), line(["-" * w for w in widths]), *(line(c) for c in cells)])
    return f"{head}\n{since}\n```\n{table}\n```"
