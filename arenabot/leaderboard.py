"""Leaderboards from the store's aggregated pair counts, via `arenabot.ratings`.

Interactive boards use the sandwich (robust) confidence interval: a few milliseconds even for
100 models, where a 1,000-round bootstrap would take far longer. The result is cached keyed on
the counts themselves, so an unchanged board is free and any new vote is a cache miss.

Given battle patterns (PatternCount rows: a pair, the votes of one battle, how many battles), the
interval is clustered by battle: several voters on one battle read the same two replies, so
their votes are not independent (issue 11). With one voter per battle it equals the plain one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from arenabot.boardformat import groups_from_pairs
from arenabot.render import Leaderboard, LeaderboardRow

PROVISIONAL_NOTE = "Few votes so far: ratings are provisional until every model has both won and lost."


class LeaderboardCache:
    def __init__(self, size: int = 64):
        self._size = size
        self._boards: OrderedDict[tuple, tuple[list[LeaderboardRow], list[str], int, dict[str, int]]] = OrderedDict()

    def board(self, counts: Sequence, *, title: str, top: int = 20) -> Leaderboard:
        """`counts` are PairCount records (model_a, model_b, wins_a, wins_b, ties, both_bad) or
        PatternCount records (the same plus `battles`: intervals clustered by battle)."""
        key = tuple(sorted(tuple(c) for c in counts))
        cached = self._boards.get(key)
        if cached is None:
            cached = self._compute(key)
            self._boards[key] = cached
            if len(self._boards) > self._size:
                self._boards.popitem(last=False)
        else:
            self._boards.move_to_end(key)
        rows, notes, votes, groups = cached
        clustered = bool(key) and len(key[0]) == 7
        method = CLUSTERED_METHOD if clustered else "Bradley-Terry, 95% CI (sandwich)"
        return Leaderboard(rows=rows[:top], title=title, votes=votes, method=method, notes=notes, groups=groups)

    @staticmethod
    def _compute(key: tuple) -> tuple[list[LeaderboardRow], list[str], int, dict[str, int]]:
        if not key:
            return [], [], 0, {}
        from arenabot.ratings import rate_pairs, rate_patterns  # numpy loads on the first board, not at start-up

        if len(key[0]) == 7:  # battle patterns: each row stands for `battles` battles
            votes = sum((row[2] + row[3] + row[4] + row[5]) * row[6] for row in key)
            result = rate_patterns(key, ci="sandwich")
        else:
            votes = sum(row[2] + row[3] + row[4] + row[5] for row in key)
            result = rate_pairs(key, ci="sandwich")
        # Only pairs with a counted vote connect models (the same graph the fit splits on).
        met = [(row[0], row[1]) for row in key if row[2] + row[3] + row[4] + row[5]]
        return board_rows(result), board_notes(result), votes, groups_from_pairs(met)


CLUSTERED_METHOD = "Bradley-Terry, 95% CI (sandwich, clustered by battle)"


def board_rows(result: Any) -> list[LeaderboardRow]:
    """The rows of an `arenabot.ratings.Board`, as the chat shows them."""
    return [LeaderboardRow(r.model, r.rating, r.ci_lower, r.ci_upper, r.rank, int(r.battles), r.win_rate) for r in result.rows]


def board_notes(result: Any) -> list[str]:
    return [PROVISIONAL_NOTE if "prior" in note else note for note in result.notes]


STYLE_METHOD = "Bradley-Terry with style control (reply length, headers, lists, bold), 95% CI (sandwich)"


def style_board(votes: Sequence[tuple], *, title: str, top: int = 20) -> Leaderboard:
    """A style-controlled board (Chatbot Arena's "style control") from votes with each battle's
    style features (Store.style_votes rows). Ratings then say how good a model's replies are
    with their length and markdown held equal; the coefficients say how much those sway voters.
    Votes on battles without stored replies or conv_metadata are left out, and a note says so."""
    import numpy as np  # numpy/scipy load on the first board, not at start-up

    from arenabot.battlelog import WINNER_CODES
    from arenabot.domain import Outcome
    from arenabot.ratings import STYLE_FEATURES, rate_style, style_features

    styled = [v for v in votes if np.isfinite(v[6]).all() and np.isfinite(v[7]).all()]
    notes = []
    if len(styled) < len(votes):
        notes.append(f"{len(votes) - len(styled)} votes left out: their battles have no stored replies to measure")
    if not styled:
        return Leaderboard(rows=[], title=title, votes=0, method=STYLE_METHOD, notes=notes)
    models = sorted({v[2] for v in styled} | {v[3] for v in styled})
    index = {m: k for k, m in enumerate(models)}
    a = np.array([index[v[2]] for v in styled])
    b = np.array([index[v[3]] for v in styled])
    outcome = np.array([WINNER_CODES[Outcome(v[5]).clean_battle_winner] for v in styled], dtype=np.int8)
    features = style_features(np.array([v[6] for v in styled], dtype=float), np.array([v[7] for v in styled], dtype=float))
    result = rate_style(models, a, b, outcome, features, feature_names=STYLE_FEATURES, ci="sandwich")
    rows = board_rows(result)
    notes += board_notes(result)
    for name, s in result.extra.get("style", {}).items():
        notes.append(f"style {name}: {s['coef']:+.3f} [{s['ci_lower']:+.3f}, {s['ci_upper']:+.3f}]")
    return Leaderboard(rows=rows[:top], title=title, votes=len(styled), method=STYLE_METHOD, notes=notes)
