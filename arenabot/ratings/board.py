"""The leaderboard value: rows sorted by rating, with intervals and ranks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class Row:
    model: str
    rating: float
    ci_lower: float
    ci_upper: float
    rank: int  # 1 + number of models whose lower bound lies above this model's upper bound
    battles: float  # every recorded battle of the model, ties included
    win_rate: float  # effective wins / counted games (ties half unless dropped); 0.0 with none


@dataclass
class Board:
    method: str  # e.g. "bradley-terry", "elo", "bradley-terry+style"
    rows: list[Row]
    n_battles: float
    ci: str = "sandwich"  # "sandwich" | "bootstrap" | "none"
    # Models known to the input but with no counted game: not rated, listed here by name.
    unrated: list[str] = field(default_factory=list)
    # Rejected input records by reason (never silently dropped).
    rejected: dict[str, int] = field(default_factory=dict)
    # Facts a reader should know, e.g. "weak prior used: ...", "anchor model absent: ...".
    notes: list[str] = field(default_factory=list)
    # Extra named results, e.g. style coefficients.
    extra: dict = field(default_factory=dict)

    def row(self, model: str) -> Row:
        for r in self.rows:
            if r.model == model:
                return r
        raise KeyError(model)

    def ratings(self) -> dict[str, float]:
        return {r.model: r.rating for r in self.rows}

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "n_battles": _plain_number(self.n_battles),
            "ci": self.ci,
            "models": [asdict(r) for r in self.rows],
            "unrated": list(self.unrated),
            "rejected": dict(self.rejected),
            "notes": list(self.notes),
            **({"extra": self.extra} if self.extra else {}),
        }


def how_many(count: float, noun: str) -> str:
    """ "1 battle", "2 battles", "1,670,000 battles"; weighted counts may be fractional ("1.5 battles")."""
    text = f"{count:,.0f}" if float(count).is_integer() else f"{count:,.1f}"
    return f"{text} {noun}" if count == 1 else f"{text} {noun}s"


def _plain_number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def ranks_from_intervals(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Rank = 1 + how many models are significantly better (their lower > this upper)."""
    lower_sorted = np.sort(lower)
    above = len(lower) - np.searchsorted(lower_sorted, upper, side="right")
    return 1 + above


def make_board(
    method: str,
    models: list[str],
    ratings: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    battles: np.ndarray,
    win_rate: np.ndarray,
    n_battles: float,
    ci: str,
    **extra_fields,
) -> Board:
    for name, arr in (("rating", ratings), ("ci_lower", lower), ("ci_upper", upper)):
        if not np.all(np.isfinite(arr)):
            raise FloatingPointError(f"non-finite {name} produced; this is a bug, please report it")
    ranks = ranks_from_intervals(lower, upper)
    order = np.lexsort((np.array(models, dtype=object).astype(str), -ratings))
    rows = [
        Row(
            models[k],
            float(ratings[k]),
            float(lower[k]),
            float(upper[k]),
            int(ranks[k]),
            _plain_number(battles[k]),
            float(win_rate[k]),
        )
        for k in order
    ]
    return Board(method=method, rows=rows, n_battles=n_battles, ci=ci, **extra_fields)
