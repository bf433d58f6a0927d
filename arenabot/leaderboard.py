"""Leaderboards from the store's aggregated pair counts, via `arenabot.ratings`.

Interactive boards use the sandwich (robust) confidence interval: a few milliseconds even for
100 models, where a 1,000-round bootstrap would take far longer.

`LeaderboardCache.warm_board` keeps one warm board per scope and category. Pair counts change
only at reveals (and voids, imports), and every such transaction bumps the store's counts
version, in every process alike. So a board asks the store one tiny question ("which version?");
if nothing changed it is answered from memory, otherwise only the pair rows changed since the
version it saw are read, and the fit starts from the previous ratings.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from arenabot.render import Leaderboard, LeaderboardRow

PROVISIONAL_NOTE = "Few votes so far: ratings are provisional until every model has both won and lost."
METHOD = "Bradley-Terry, 95% CI (sandwich)"

Computed = tuple[list[LeaderboardRow], list[str], int]


class CountsSource(Protocol):
    """What a warm board needs of the store."""

    async def counts_version(self) -> int: ...

    async def pair_counts_since(self, scope_key: str | None, category: str | None, since: int) -> Sequence[Any]: ...


@dataclasses.dataclass
class _WarmBoard:
    version: int = -1  # the counts version these pairs are as of; -1: nothing read yet
    pairs: dict[tuple[str, str], tuple[int, int, int, int]] = dataclasses.field(default_factory=dict)
    computed: Computed = ([], [], 0)
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)

    async def refresh(self, store: CountsSource, scope_key: str | None, category: str | None, version: int) -> None:
        if version < self.version:  # the database went back (a restore): start over
            self.version, self.pairs = -1, {}
        changed = await store.pair_counts_since(scope_key, category, self.version)
        for c in changed:
            cells = (c.wins_a, c.wins_b, c.ties, c.both_bad)
            if any(cells):
                self.pairs[(c.model_a, c.model_b)] = cells
            else:
                self.pairs.pop((c.model_a, c.model_b), None)
        if changed or self.version == -1:
            previous = {row.model: row.rating for row in self.computed[0]}
            pairs = tuple(sorted((a, b, *cells) for (a, b), cells in self.pairs.items()))
            self.computed = compute_board(pairs, previous or None)
        self.version = max(self.version, version)


class LeaderboardCache:
    def __init__(self, size: int = 64):
        self._size = size
        self._warm: OrderedDict[tuple[str | None, str], _WarmBoard] = OrderedDict()

    async def warm_board(
        self, store: CountsSource, scope_key: str | None, category: str | None, *, title: str, top: int = 20
    ) -> Leaderboard:
        """The current board of a scope (None: global) and category, kept warm across calls."""
        key = (scope_key, category or "")
        warm = self._warm.get(key)
        if warm is None:
            warm = self._warm[key] = _WarmBoard()
            if len(self._warm) > self._size:
                self._warm.popitem(last=False)
        else:
            self._warm.move_to_end(key)
        version = await store.counts_version()
        if version != warm.version:
            async with warm.lock:  # one refresh per board at a time; the others then find it done
                if version != warm.version:
                    await warm.refresh(store, scope_key, category, version)
        rows, notes, votes = warm.computed
        return Leaderboard(rows=rows[:top], title=title, votes=votes, method=METHOD, notes=notes)


def compute_board(key: tuple, start: dict[str, float] | None = None) -> Computed:
    """Rows, notes and vote total of a board from sorted (model_a, model_b, wins_a, wins_b, ties,
    both_bad) tuples; `start`: ratings to start the fit from."""
    votes = sum(row[2] + row[3] + row[4] + row[5] for row in key)
    if not key:
        return [], [], 0
    from arenabot.ratings import rate_pairs  # numpy/scipy load on the first board, not at start-up

    result = rate_pairs(key, ci="sandwich", start=start)
    rows = [LeaderboardRow(r.model, r.rating, r.ci_lower, r.ci_upper, r.rank, int(r.battles), r.win_rate) for r in result.rows]
    notes = [PROVISIONAL_NOTE if "prior" in note else note for note in result.notes]
    return rows, notes, votes
