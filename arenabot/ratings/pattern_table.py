"""Battle patterns held as arrays that take changed rows in place: what a warm board keeps.

Rows are (model_a, model_b, wins_a, wins_b, ties, both_bad, battles), as the store keeps them:
"`battles` battles of this pair got exactly these votes", each row the current TOTAL for its
pattern (so a row seen twice, or a stale row followed by a fresh one, leaves the right value).
The per-pair sums the fit needs move by (new - old) * pattern for each changed row, so a reveal
costs a few array writes instead of re-reading and re-summing every pattern. Counts are whole
numbers held in float64, so the sums are exact and `counts()` equals `counts_from_patterns` of
the same rows (up to the order of the models).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .counts import BattlePatterns, PairCounts

# (index of model_a, index of model_b, wins_a, wins_b, ties, both_bad): indexes, not names, so
# the table keeps no row's strings alive (half its memory at 70,000 patterns).
PatternKey = tuple[int, int, int, int, int, int]


class PatternTable:
    def __init__(self) -> None:
        self.models: list[str] = []
        self._model: dict[str, int] = {}
        self._pair: dict[tuple[int, int], int] = {}  # (lower index, higher index) -> pair slot
        self._pattern: dict[PatternKey, int] = {}
        self._pair_ij = np.zeros((0, 2), dtype=np.intp)
        self._pair_cells = np.zeros((0, 4))  # votes per pair: i wins, j wins, ties, both bad
        self._pat_pair = np.zeros(0, dtype=np.intp)
        self._pat_cells = np.zeros((0, 4))  # one battle's votes, from the pair's i side
        self._pat_battles = np.zeros(0)
        self._n_pairs = 0
        self._n_patterns = 0

    @classmethod
    def of(cls, rows: Sequence) -> PatternTable:
        table = cls()
        table.update(rows)
        return table

    @property
    def votes(self) -> int:
        return int(self._pair_cells[: self._n_pairs].sum())

    def update(self, rows: Iterable) -> None:
        """Set each row's pattern to its total; rows with no votes or a negative count are ignored."""
        rows = [r for r in rows if r[0] != r[1] and r[6] >= 0 and (r[2] or r[3] or r[4] or r[5])]
        if not self._pattern and len(rows) > 64:
            self._load(rows)  # a whole board at once (the first read): vectorised
            return
        for row in rows:
            key = (self._model_index(str(row[0])), self._model_index(str(row[1])), *row[2:6])
            slot = self._pattern.get(key)
            if slot is None:
                slot = self._new_pattern(key)
            change = float(row[6]) - self._pat_battles[slot]
            if change:
                self._pat_battles[slot] = row[6]
                self._pair_cells[self._pat_pair[slot]] += change * self._pat_cells[slot]

    def counts(self) -> PairCounts:
        """The pairs with votes and their patterns with battles, over the models that have them
        (copies: the table may change under a kept PairCounts otherwise)."""
        n_pairs, n_patterns = self._n_pairs, self._n_patterns
        cells = self._pair_cells[:n_pairs]
        ij = self._pair_ij[:n_pairs]
        pat_pair, pat_cells, battles = self._pat_pair[:n_patterns], self._pat_cells[:n_patterns], self._pat_battles[:n_patterns]
        models = self.models
        live = cells.sum(axis=1) > 0
        kept = battles > 0
        # Usually nothing was voided away: contiguous copies, no masks (half the cost of a board).
        if not live.all():
            used = np.zeros(len(self.models), dtype=bool)
            used[ij[live].ravel()] = True
            renumber = np.cumsum(used) - 1
            cells, ij = cells[live], renumber[ij[live]]
            models = [m for m, u in zip(self.models, used, strict=True) if u]
            pat_pair = (np.cumsum(live) - 1)[pat_pair]
        if not kept.all():
            pat_pair, pat_cells, battles = pat_pair[kept], pat_cells[kept], battles[kept]
        votes = np.array(pat_cells.T)  # one contiguous copy, a row per column
        patterns = BattlePatterns(np.array(pat_pair), votes[0], votes[1], votes[2], votes[3], np.array(battles))
        pair = np.array(cells.T)
        return PairCounts(
            list(models), np.array(ij[:, 0]), np.array(ij[:, 1]), pair[0], pair[1], pair[2], pair[3], patterns=patterns
        )

    # ---- internals ---------------------------------------------------------------------------

    def _model_index(self, name: str) -> int:
        index = self._model.get(name)
        if index is None:
            index = self._model[name] = len(self.models)
            self.models.append(name)
        return index

    @staticmethod
    def _oriented(key: PatternKey) -> tuple[int, int, list[float]]:
        """(lower index, higher index, votes from the lower index's side)."""
        a, b = key[0], key[1]
        wins_a, wins_b, ties, both_bad = (float(x) for x in key[2:6])
        if a < b:
            return a, b, [wins_a, wins_b, ties, both_bad]
        return b, a, [wins_b, wins_a, ties, both_bad]

    def _new_pattern(self, key: PatternKey) -> int:
        i, j, votes = self._oriented(key)
        pair = self._pair.get((i, j))
        if pair is None:
            pair = self._pair[(i, j)] = self._n_pairs
            self._pair_ij = _room(self._pair_ij, pair + 1)
            self._pair_cells = _room(self._pair_cells, pair + 1)
            self._pair_ij[pair] = (i, j)
            self._pair_cells[pair] = 0.0
            self._n_pairs += 1
        slot = self._pattern[key] = self._n_patterns
        self._pat_pair = _room(self._pat_pair, slot + 1)
        self._pat_cells = _room(self._pat_cells, slot + 1)
        self._pat_battles = _room(self._pat_battles, slot + 1)
        self._pat_pair[slot] = pair
        self._pat_cells[slot] = votes
        self._pat_battles[slot] = 0.0
        self._n_patterns += 1
        return slot

    def _load(self, rows: list) -> None:
        index = self._model_index  # model indexes in order of appearance, as counts_from_patterns does
        keys = [(index(str(r[0])), index(str(r[1])), *r[2:6]) for r in rows]
        slots = dict(zip(keys, range(len(keys)), strict=True))
        if len(slots) < len(keys):  # a key twice: the general path keeps the last total
            for row in rows:
                self.update([row])
            return
        a = np.fromiter((k[0] for k in keys), np.intp, len(keys))
        b = np.fromiter((k[1] for k in keys), np.intp, len(keys))
        numbers = np.array([r[2:7] for r in rows], dtype=float)
        swap = a > b
        votes = numbers[:, :4].copy()
        votes[swap, 0], votes[swap, 1] = numbers[swap, 1], numbers[swap, 0]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        m = max(len(self.models), 1)
        pair_keys, pat_pair = np.unique(lo * m + hi, return_inverse=True)
        self._pair_ij = np.column_stack([pair_keys // m, pair_keys % m]).astype(np.intp)
        self._pair = {(int(i), int(j)): k for k, (i, j) in enumerate(self._pair_ij.tolist())}
        self._n_pairs = len(pair_keys)
        self._pat_pair = pat_pair.ravel().astype(np.intp)
        self._pat_cells = votes
        self._pat_battles = numbers[:, 4].copy()
        self._pattern = slots
        self._n_patterns = len(rows)
        weighted = votes * self._pat_battles[:, None]
        self._pair_cells = np.stack([np.bincount(self._pat_pair, weighted[:, c], self._n_pairs) for c in range(4)], 1)


def _room(array: np.ndarray, size: int) -> np.ndarray:
    """`array` with room for at least `size` rows (doubling, so appends are amortised O(1))."""
    if len(array) >= size:
        return array
    grown = np.zeros((max(size, 2 * len(array), 16), *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
