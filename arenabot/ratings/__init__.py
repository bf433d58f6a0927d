"""Ratings engine: Bradley-Terry with confidence intervals, online Elo, style control.

numpy only (scipy.sparse just for bootstraps and style control, loaded there; the special
functions are numpy versions in special.py), no I/O, imports nothing else of the project. Entry points:
`rate_pairs` (aggregated pair counts, what the database keeps), `rate_battles` (battle arrays),
`rate_counts` (a prepared `PairCounts`), `rate_patterns` (battles by vote pattern: intervals
clustered by battle), `find_anomalous_voters` (voter quality), `rate_elo` (online Elo), `rate_style` (style control),
`win_rates` (observed/predicted matrices). All return a `Board` (rows sorted by rating) except
`win_rates`. Awkward inputs have defined answers: see `leaderboard.py`'s module docstring.
"""

from typing import TYPE_CHECKING

from .board import Board, Row, ranks_from_intervals
from .bt import FitOptions
from .counts import (
    A_WINS,
    B_WINS,
    BOTH_BAD,
    OUTCOME_CODES,
    TIE,
    BattlePatterns,
    PairCounts,
    counts_from_battles,
    counts_from_pairs,
    counts_from_patterns,
    counts_from_votes,
)
from .leaderboard import rate_battles, rate_counts, rate_pairs, rate_patterns

__all__ = [
    "A_WINS",
    "B_WINS",
    "BOTH_BAD",
    "OUTCOME_CODES",
    "TIE",
    "BattlePatterns",
    "Board",
    "FitOptions",
    "PairCounts",
    "Row",
    "counts_from_battles",
    "counts_from_pairs",
    "counts_from_patterns",
    "counts_from_votes",
    "ranks_from_intervals",
    "rate_battles",
    "rate_counts",
    "rate_pairs",
    "rate_patterns",
]

# Loaded on first use: a plain Bradley-Terry board (the bot's boards, `arenabot ratings` without
# --elo or --style) needs none of these, and a command's start-up pays for every module it loads.
_LAZY = {
    "bootstrap_elo": "elo",
    "online_elo": "elo",
    "rate_elo": "elo",
    "WinRates": "matrices",
    "win_rates": "matrices",
    "STYLE_FEATURES": "style",
    "rate_style": "style",
    "style_features": "style",
    "VoterScores": "voters",
    "find_anomalous_voters": "voters",
}
__all__ += ["bootstrap_elo", "online_elo", "rate_elo", "WinRates", "win_rates", "STYLE_FEATURES", "rate_style", "style_features"]
__all__ += ["VoterScores", "find_anomalous_voters"]

if TYPE_CHECKING:
    from .elo import bootstrap_elo, online_elo, rate_elo
    from .matrices import WinRates, win_rates
    from .style import STYLE_FEATURES, rate_style, style_features
    from .voters import VoterScores, find_anomalous_voters


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
