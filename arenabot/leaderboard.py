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


class _WarmBoard:
    """One board's pair counts as arrays the fit takes as they are (turning thousands of rows
    into arrays was most of a refit), updated in place from the rows that changed."""

    def __init__(self) -> None:
        import numpy as np  # numpy/scipy load on the first board, not at start-up

        self.version = -1  # the counts version the pairs are as of; -1: nothing read yet
        self.models: list[str] = []
        self._index: dict[str, int] = {}
        self._slots: dict[tuple[int, int], int] = {}  # (i, j), i < j -> row of the arrays
        self._i: list[int] = []
        self._j: list[int] = []
        self._cells = np.zeros((0, 4))  # i wins, j wins, ties, both bad
        self.computed: Computed = ([], [], 0)
        self.lock = asyncio.Lock()

    def _model(self, name: str) -> int:
        found = self._index.get(name)
        if found is None:
            found = self._index[name] = len(self.models)
            self.models.append(name)
        return found

    def _apply(self, changed: Sequence[Any]) -> None:
        """Put the rows' current totals in place (totals, not increments: applying one twice is harmless)."""
        fresh: list[tuple[int, int, tuple[int, ...]]] = []
        for c in changed:
            a, b = self._model(c.model_a), self._model(c.model_b)
            cells = (c.wins_a, c.wins_b, c.ties, c.both_bad) if a < b else (c.wins_b, c.wins_a, c.ties, c.both_bad)
            key = (a, b) if a < b else (b, a)
            slot = self._slots.get(key)
            if slot is None:
                fresh.append((*key, cells))
            else:
                self._cells[slot] = cells
        if fresh:
            import numpy as np

            for k, (i, j, _) in enumerate(fresh):
                self._slots[(i, j)] = len(self._i) + k
            self._i += [f[0] for f in fresh]
            self._j += [f[1] for f in fresh]
            self._cells = np.vstack([self._cells, np.array([f[2] for f in fresh], dtype=float)])

    async def refresh(self, store: CountsSource, scope_key: str | None, category: str | None, version: int) -> None:
        if version < self.version:  # the database went back (a restore): start over
            self.__init__()  # type: ignore[misc]
        changed = await store.pair_counts_since(scope_key, category, self.version)
        self._apply(changed)
        if changed or self.version == -1:
            import numpy as np

            from arenabot.ratings import PairCounts

            cells = self._cells
            counts = PairCounts(
                list(self.models), np.array(self._i, np.intp), np.array(self._j, np.intp), *(cells[:, k].copy() for k in range(4))
            )
            previous = {row.model: row.rating for row in self.computed[0]}
            self.computed = compute_counts(counts, int(cells.sum()), previous or None)
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


def compute_board(key: tuple) -> Computed:
    """Rows, notes and vote total of a board from (model_a, model_b, wins_a, wins_b, ties,
    both_bad) tuples."""
    from arenabot.ratings import counts_from_pairs

    return compute_counts(counts_from_pairs(key), sum(row[2] + row[3] + row[4] + row[5] for row in key))


def compute_counts(counts: Any, votes: int, start: dict[str, float] | None = None) -> Computed:
    """Rows, notes and vote total of a board from a `ratings.PairCounts`; `start`: the ratings
    to start the fit from (the previous board's: a few Newton steps fewer)."""
    if not votes:
        return [], [], 0
    from arenabot.ratings import rate_counts

    result = rate_counts(counts, ci="sandwich", start=start)
    rows = [LeaderboardRow(r.model, r.rating, r.ci_lower, r.ci_upper, r.rank, int(r.battles), r.win_rate) for r in result.rows]
    notes = [PROVISIONAL_NOTE if "prior" in note else note for note in result.notes]
    return rows, notes, votes
