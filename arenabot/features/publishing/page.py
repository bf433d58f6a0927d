"""The read-only web page of the boards: one self-contained HTML file (plain HTML and CSS, no
script, no external asset), readable on a phone. The bot's HTTP server serves it when
`ops.public_board` is on, and `arenabot leaderboard --html FILE` writes it.

Every board of the page is a section; the category links switch between them with CSS alone
(`:target`). Intervals are drawn as CSS bars, each model's rating history as a small inline SVG.
Every name that comes from data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from string import Template

from arenabot.features.publishing.timing import when_text


@dataclass(frozen=True)
class PageRow:
    rank: int
    move: str  # ▲n, ▼n, =, new; "" when nothing was published before
    model: str
    rating: float
    ci_lower: float
    ci_upper: float
    battles: int
    history: list[float] = field(default_factory=list)  # ratings at the published boards, oldest first


@dataclass(frozen=True)
class PageBoard:
    slug: str  # the section's id, e.g. "coding-anonymous"
    label: str  # the link's text, e.g. "Coding"
    rows: list[PageRow]
    votes: int
    method: str
    published_at: datetime | None  # the publication movement is measured from


_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
:root { color-scheme: light dark; --accent: #5865f2; --muted: #8a8f98; --band: rgba(88, 101, 242, .25); }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
nav { display: flex; flex-wrap: wrap; gap: .4rem; margin: .75rem 0; }
nav a { border: 1px solid var(--accent); border-radius: 1rem; padding: .15rem .7rem; text-decoration: none; color: inherit; }
.board { display: none; }
.board:target, main:not(:has(.board:target)) .board.default { display: block; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid rgba(128, 128, 128, .3); text-align: right; white-space: nowrap; }
th.model, td.model { text-align: left; white-space: normal; overflow-wrap: anywhere; }
td.move.up { color: #1a7f37; } td.move.down { color: #cf222e; }
.bar { position: relative; height: .9rem; min-width: 6rem; }
.bar .ci { position: absolute; top: .2rem; height: .5rem; background: var(--band); border-radius: .25rem; }
.bar .dot { position: absolute; top: .1rem; width: .7rem; height: .7rem; margin-left: -.35rem; border-radius: 50%; background: var(--accent); }
svg.spark { width: 6rem; height: 1.5rem; }
svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 2; }
.meta, footer { color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) {
  .wide { display: none; }
  th, td { padding: .3rem .3rem; }
}
</style>
</head>
<body>
<h1>$title</h1>
<p class="meta">Bradley-Terry ratings with 95% confidence intervals, from revealed battles only. Generated $generated.</p>
<nav>$links</nav>
<main>
$sections
</main>
<footer>Movement is each model's rank change since the last published board. Rank = 1 + the number of models significantly better.</footer>
</body>
</html>
""")

_SECTION = Template("""<section class="board$default" id="$slug">
<h2>$label</h2>
<p class="meta">$summary</p>
<div class="scroll"><table>
<thead><tr><th>Rank</th><th>Move</th><th class="model">Model</th><th>Rating</th><th>95% CI</th><th class="wide">Interval</th><th>Battles</th><th class="wide">History</th></tr></thead>
<tbody>
$rows
</tbody>
</table></div>
</section>""")


def _move_class(move: str) -> str:
    return " up" if move.startswith("▲") else " down" if move.startswith("▼") else ""


def _bar(row: PageRow, low: float, high: float) -> str:
    span = (high - low) or 1.0

    def at(value: float) -> float:
        return round(100 * (value - low) / span, 2)

    left, right = at(row.ci_lower), at(row.ci_upper)
    return (
        f'<div class="bar"><span class="ci" style="left:{left}%;width:{max(right - left, 0.5)}%"></span>'
        f'<span class="dot" style="left:{at(row.rating)}%"></span></div>'
    )


def _sparkline(history: Sequence[float], model: str) -> str:
    if len(history) < 2:
        return ""
    low, high = min(history), max(history)
    span = (high - low) or 1.0
    step = 100 / (len(history) - 1)
    points = " ".join(f"{k * step:.1f},{22 - 20 * (v - low) / span:.1f}" for k, v in enumerate(history))
    label = escape(f"{model}: rating at {len(history)} published boards, {history[0]:.0f} to {history[-1]:.0f}")
    return f'<svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label="{label}"><polyline points="{points}"/></svg>'


def _rows(board: PageBoard) -> str:
    if not board.rows:
        return '<tr><td class="model" colspan="8">No counted votes yet.</td></tr>'
    low = min(r.ci_lower for r in board.rows)
    high = max(r.ci_upper for r in board.rows)
    return "\n".join(
        f'<tr><td>{r.rank}</td><td class="move{_move_class(r.move)}">{escape(r.move or "–")}</td>'
        f'<td class="model">{escape(r.model)}</td><td>{r.rating:.0f}</td>'
        f"<td>{r.ci_lower - r.rating:+.0f}/{r.ci_upper - r.rating:+.0f}</td>"
        f'<td class="wide">{_bar(r, low, high)}</td><td>{r.battles}</td>'
        f'<td class="wide">{_sparkline(r.history, r.model)}</td></tr>'
        for r in board.rows
    )


def render(title: str, boards: Sequence[PageBoard], generated_at: datetime, selected: str | None = None) -> str:
    """The page; `selected` is the slug shown when the address names no board (default: the first)."""
    default = selected if any(b.slug == selected for b in boards) else (boards[0].slug if boards else None)
    links = "".join(f'<a href="#{escape(b.slug)}">{escape(b.label)}</a>' for b in boards)
    sections = []
    for board in boards:
        since = f" Movement since the board published {when_text(board.published_at)}." if board.published_at else ""
        summary = f"{board.votes} counted votes · {board.method}.{since}"
        sections.append(
            _SECTION.substitute(
                default=" default" if board.slug == default else "",
                slug=escape(board.slug),
                label=escape(board.label),
                summary=escape(summary),
                rows=_rows(board),
            )
        )
    return _PAGE.substitute(
        title=escape(title),
        generated=escape(when_text(generated_at)),
        links=links,
        sections="\n".join(sections) or "<p>No boards yet.</p>",
    )
