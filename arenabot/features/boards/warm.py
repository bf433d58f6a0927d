"""Warm boards: one kept board per (scope, category, mode, flagged voters left out or not).

A board changes only when its battle patterns do (at reveals, and voids or leaks after them), and
every such transaction bumps the board scope's version row (storage: `board_versions`). So a
request reads that row and the rows stamped after the kept version, in one statement:
- unchanged: no pattern row comes back, and the kept board is the answer (no fit);
- changed: the same statement brought the pattern rows stamped after the kept version; their
  new totals go into the kept arrays (`PatternTable`), and the fit starts from the kept ratings
  (a few Newton steps). The interval is computed from the whole table as before, so it is
  exact, not patched. (A change in another category of the scope moves the version only.)
The version lives in the database, so a reveal in another process is seen by the next request.

With `exclude_flagged`, which voters are left out can change with any reveal, so a change
rebuilds that board from every pattern (as a cold board would); an unchanged one is still kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from arenabot.boardformat import groups_from_pairs
from arenabot.features.shared import ArenaState
from arenabot.leaderboard import board_notes, board_rows
from arenabot.render import LeaderboardRow
from arenabot.storage import PatternCount

# Given every pattern row of a board, the rows the board should rate (flagged voters left out).
PatternFilter = Callable[[list[PatternCount]], Awaitable[list[PatternCount]]]
NEVER = -1  # "read every row": versions start at 0


@dataclass(frozen=True)
class BoardRows:
    rows: list[LeaderboardRow]
    notes: list[str]
    votes: int
    groups: dict[str, int] = field(default_factory=dict)  # models that never met, for the chart


EMPTY = BoardRows([], [], 0)


@dataclass
class _Kept:
    version: int = NEVER
    table: Any = None  # arenabot.ratings.pattern_table.PatternTable (numpy loads on first use)
    ratings: dict[str, float] | None = None
    board: BoardRows = EMPTY


class WarmBoards:
    def __init__(self, state: ArenaState, size: int = 64):
        self.state = state
        self._size = size
        self._kept: OrderedDict[tuple, _Kept] = OrderedDict()

    async def board(
        self, scope_key: str | None, category: str | None, mode: str, *, only: PatternFilter | None = None
    ) -> BoardRows:
        """The board as of the scope's current version; `only` filters the rows it rates."""
        key = (scope_key, category, mode, only is not None)
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = _Kept()
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        store = self.state.store
        version, changed = await store.board_changes(scope_key, category, mode, kept.version)
        if version <= kept.version:  # unchanged (or another request here already kept a newer one)
            return kept.board
        if only is not None:  # which votes count depends on every row: rebuild from all of them
            if kept.version != NEVER:
                version, changed = await store.board_changes(scope_key, category, mode, NEVER)
            changed = await only([p for p in changed if p.battles > 0])
            if version > kept.version:  # (checked again after the awaits)
                self._refit(kept, version, changed, whole=True)
        else:
            self._refit(kept, version, changed, whole=kept.table is None)
        return kept.board

    @staticmethod
    def _refit(kept: _Kept, version: int, changed: list[PatternCount], whole: bool) -> None:
        """Apply the changed rows (their totals) and refit; synchronous, so requests interleave
        only between whole updates and `kept` never goes back to an older version."""
        from arenabot.ratings import rate_counts
        from arenabot.ratings.pattern_table import PatternTable

        kept.version = version
        if not whole and not changed:
            return  # another category of the scope changed: this board did not
        if whole:
            kept.table = PatternTable.of(changed)
        else:
            kept.table.update(changed)
        counts = kept.table.counts()
        if counts.n_models == 0:
            kept.board, kept.ratings = EMPTY, None
            return
        # Warm start from the kept ratings: the same optimum (Newton to 1e-10), fewer steps.
        result = rate_counts(counts, ci="sandwich", start=kept.ratings)
        # Only pairs with a counted vote connect models (the same graph the fit splits on).
        met = [(counts.models[a], counts.models[b]) for a, b, n in zip(counts.i, counts.j, counts.totals, strict=True) if n > 0]
        kept.board = BoardRows(board_rows(result), board_notes(result), kept.table.votes, groups_from_pairs(met))
        kept.ratings = result.ratings()
