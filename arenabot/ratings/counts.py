"""Aggregated pair-outcome counts: the only input the Bradley-Terry fit needs.

A `PairCounts` holds one row per unordered model pair (i < j): i's wins, j's wins, ties and
both-bad ties. When one battle can get several votes (a chat room), `BattlePatterns` adds how
those votes fell battle by battle, which the intervals need: votes on one battle are correlated.
Sides do not matter to Bradley-Terry (no first-mover term), so a battle
"a beats b" and "b loses to a" land in the same cell. Building from battles validates each
record and counts the rejects instead of dropping them silently or crashing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Outcome codes for battle arrays.
A_WINS, B_WINS, TIE, BOTH_BAD = 0, 1, 2, 3
OUTCOME_CODES = {"a": A_WINS, "b": B_WINS, "tie": TIE, "both_bad": BOTH_BAD}


@dataclass
class PairCounts:
    """Pair-outcome counts over `models`; arrays are aligned, one entry per pair with i < j."""

    models: list[str]
    i: np.ndarray
    j: np.ndarray
    wins_i: np.ndarray
    wins_j: np.ndarray
    ties: np.ndarray
    both_bad: np.ndarray
    # Reasons records were rejected while building, e.g. {"same model on both sides": 3}.
    rejected: dict[str, int] = field(default_factory=dict)
    # How the votes group into battles; None means one vote per battle (every vote its own).
    patterns: BattlePatterns | None = None

    @property
    def n_models(self) -> int:
        return len(self.models)

    @property
    def totals(self) -> np.ndarray:
        return self.wins_i + self.wins_j + self.ties + self.both_bad

    @property
    def n_battles(self) -> float:
        return float(self.totals.sum())

    def battles_per_model(self) -> np.ndarray:
        m = self.n_models
        t = self.totals
        return np.bincount(self.i, t, m) + np.bincount(self.j, t, m)

    def select(self, keep: np.ndarray) -> PairCounts:
        """Only the pairs where `keep` is true (models stay as they are)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():  # the usual case on a board: share the (never modified in place) arrays
            return dataclasses.replace(self, rejected=dict(self.rejected))
        return PairCounts(
            self.models,
            self.i[keep],
            self.j[keep],
            self.wins_i[keep],
            self.wins_j[keep],
            self.ties[keep],
            self.both_bad[keep],
            dict(self.rejected),
            None if self.patterns is None else self.patterns.select(keep),
        )

    def restrict_models(self, keep_models: np.ndarray) -> PairCounts:
        """Drop models where `keep_models` (bool per model) is false, renumbering the rest."""
        new_index = np.cumsum(keep_models) - 1
        pair_keep = keep_models[self.i] & keep_models[self.j]
        sub = self.select(pair_keep)
        sub.models = [m for m, k in zip(self.models, keep_models, strict=True) if k]
        sub.i = new_index[sub.i]
        sub.j = new_index[sub.j]
        return sub


@dataclass
class BattlePatterns:
    """Battles grouped by how their votes fell: one row per (pair, vote pattern) seen.

    `pair` indexes the rows of the owning `PairCounts`; wins_i, wins_j, ties and both_bad are
    the votes within ONE battle (from i's side), and `battles` is how many battles of that pair
    ended with exactly that pattern. So a pair's counts are the sum of pattern * battles. This is
    what a store must keep for intervals clustered by battle: per unordered pair, a count of
    battles by vote pattern (a handful of rows per pair, since rooms have few voters).
    """

    pair: np.ndarray
    wins_i: np.ndarray
    wins_j: np.ndarray
    ties: np.ndarray
    both_bad: np.ndarray
    battles: np.ndarray

    def select(self, keep_pairs: np.ndarray) -> BattlePatterns:
        """The patterns of the kept pairs, renumbered to the kept pairs' new positions."""
        new_pair = np.cumsum(keep_pairs) - 1
        rows = keep_pairs[self.pair]
        return BattlePatterns(
            new_pair[self.pair[rows]],
            self.wins_i[rows],
            self.wins_j[rows],
            self.ties[rows],
            self.both_bad[rows],
            self.battles[rows],
        )

    @property
    def n_battles(self) -> float:
        return float(self.battles.sum())


def _aggregate(models: list[str], a: np.ndarray, b: np.ndarray, cells: np.ndarray, rejected: dict[str, int]) -> PairCounts:
    """Sum per-record outcome cells (n x 4: a wins, b wins, tie, both bad) into unordered pairs."""
    m = max(len(models), 1)
    swap = a > b
    lo = np.where(swap, b, a)
    hi = np.where(swap, a, b)
    # Swapping sides swaps the two win columns.
    cells = cells.copy()
    cells[:, 0], cells[:, 1] = np.where(swap, cells[:, 1], cells[:, 0]), np.where(swap, cells[:, 0], cells[:, 1])
    uniq, inverse = _pair_slots(lo, hi, m)
    sums = np.zeros((len(uniq), 4))
    for c in range(4):
        sums[:, c] = np.bincount(inverse, cells[:, c], len(uniq))
    return PairCounts(
        models=list(models),
        i=(uniq // m).astype(np.intp),
        j=(uniq % m).astype(np.intp),
        wins_i=sums[:, 0],
        wins_j=sums[:, 1],
        ties=sums[:, 2],
        both_bad=sums[:, 3],
        rejected=rejected,
    )


_PAIR_FIELDS = ("model_a", "model_b", "wins_a", "wins_b", "ties", "both_bad")


def _pair_row(row) -> tuple:
    """(model_a, model_b, wins_a, wins_b, ties, both_bad) from a tuple, dict or object;
    both_bad may be absent (0)."""
    if isinstance(row, (tuple, list)):
        if len(row) < 5:
            raise IndexError("too few fields")
        return (*row[:5], row[5] if len(row) > 5 else 0)
    if isinstance(row, dict):
        return (*(row[f] for f in _PAIR_FIELDS[:5]), row.get("both_bad", 0))
    return (*(getattr(row, f) for f in _PAIR_FIELDS[:5]), getattr(row, "both_bad", 0))


def _columns_of_plain_rows(rows: list, index: dict[str, int]) -> PairCounts | None:
    """The leaderboard's hot path: every row a 6-field tuple of (str, str, numbers...), as the
    store returns them. Column-wise numpy instead of a Python loop per row; the same result as
    the general path, which handles (and counts) everything else. None when it does not apply."""
    if not all(type(r) is not str and isinstance(r, tuple) and len(r) == 6 for r in rows):
        return None
    if not rows:
        return _aggregate(list(index), np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros((0, 4)), {})
    names_a, names_b, *columns = zip(*rows, strict=True)
    if not all(type(n) is str for n in names_a) or not all(type(n) is str for n in names_b):
        return None
    try:
        cells = np.array(columns, dtype=float).T
    except (TypeError, ValueError):
        return None
    if np.isnan(cells).any():  # None (read as 0) or NaN: the general path decides
        return None
    # Names are indexed in the order the general path meets them: a row's model_a, then model_b.
    pairs = [
        (index.setdefault(a, len(index)), index.setdefault(b, len(index))) if a != b else (-1, -1)
        for a, b in zip(names_a, names_b, strict=True)
    ]
    a_arr, b_arr = np.array(pairs, dtype=np.intp).reshape(-1, 2).T
    rejected: dict[str, int] = {}
    same = a_arr < 0
    if same.any():
        rejected["same model on both sides"] = int(same.sum())
    bad = ~same & ~np.all((cells >= 0) & np.isfinite(cells), axis=1)
    if bad.any():
        rejected["negative or non-finite count"] = int(bad.sum())
    keep = ~(same | bad)
    return _aggregate(list(index), a_arr[keep], b_arr[keep], cells[keep], rejected)


def counts_from_pairs(rows: Iterable, models: Sequence[str] | None = None) -> PairCounts:
    """Counts from aggregated rows: tuples (model_a, model_b, wins_a, wins_b, ties, both_bad),
    dicts or objects with those attribute names. Rows may repeat a pair in either order.

    `models` lists extra models to carry (e.g. enabled models with no votes yet). Rows with the
    same model on both sides, negative or non-numeric counts or missing fields are rejected and
    counted in `PairCounts.rejected`.
    """
    index: dict[str, int] = {}
    for name in models or ():
        index.setdefault(str(name), len(index))
    rows = rows if isinstance(rows, list) else list(rows)
    fast = _columns_of_plain_rows(rows, index)
    if fast is not None:
        return fast
    a_idx, b_idx, cells = [], [], []
    rejected: dict[str, int] = {}

    def reject(reason: str) -> None:
        rejected[reason] = rejected.get(reason, 0) + 1

    for row in rows:
        try:
            model_a, model_b, wa, wb, t, bb = _pair_row(row)
            model_a, model_b = str(model_a), str(model_b)
            counts = [float(wa), float(wb), float(t), float(bb or 0)]
        except (IndexError, KeyError, AttributeError, TypeError, ValueError):
            reject("missing or non-numeric field")
            continue
        if model_a == model_b:
            reject("same model on both sides")
            continue
        a_idx.append(index.setdefault(model_a, len(index)))
        b_idx.append(index.setdefault(model_b, len(index)))
        cells.append(counts)
    cell_array = np.asarray(cells, dtype=float).reshape(-1, 4)
    a_arr, b_arr = np.asarray(a_idx, dtype=np.intp), np.asarray(b_idx, dtype=np.intp)
    good = np.all((cell_array >= 0) & np.isfinite(cell_array), axis=1)
    if not good.all():
        reject_count = int((~good).sum())
        rejected["negative or non-finite count"] = reject_count
        a_arr, b_arr, cell_array = a_arr[good], b_arr[good], cell_array[good]
    return _aggregate(list(index), a_arr, b_arr, cell_array, rejected)


def counts_from_battles(
    models: Sequence[str], model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray, weight: np.ndarray | None = None
) -> PairCounts:
    """Counts from battle arrays: model indices into `models` and outcome codes
    (A_WINS, B_WINS, TIE, BOTH_BAD). Records with an index out of range, the same model on
    both sides, an unknown outcome code or a bad weight are counted in `rejected`."""
    model_a = np.asarray(model_a, dtype=np.int64)
    model_b = np.asarray(model_b, dtype=np.int64)
    outcome = np.asarray(outcome, dtype=np.int64)
    n = len(outcome)
    if not (len(model_a) == len(model_b) == n):
        raise ValueError("model_a, model_b and outcome must have the same length")
    w = None if weight is None else np.asarray(weight, dtype=float)
    m = len(models)
    checks = [
        ("model index out of range", (model_a < 0) | (model_a >= m) | (model_b < 0) | (model_b >= m)),
        ("same model on both sides", model_a == model_b),
        ("unknown outcome", (outcome < 0) | (outcome > 3)),
    ]
    if w is not None:
        if len(w) != n:
            raise ValueError("weight must have one entry per battle")
        checks.append(("negative or non-finite weight", ~np.isfinite(w) | (w < 0)))
    bad = np.zeros(n, dtype=bool)
    rejected: dict[str, int] = {}
    for reason, mask in checks:
        fresh = mask & ~bad  # each record is counted once, under its first problem
        if fresh.any():
            rejected[reason] = int(fresh.sum())
        bad |= mask
    ok = ~bad
    if not ok.all():
        model_a, model_b, outcome = model_a[ok], model_b[ok], outcome[ok]
        w = None if w is None else w[ok]
    return _aggregate_battles(list(models), model_a, model_b, outcome, w, rejected)


def _pair_slots(lo: np.ndarray, hi: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique pair keys (lo * m + hi, sorted) and each record's slot among them."""
    key = lo.astype(np.int64) * m + hi
    if m * m <= 4 * len(key) + 1_000_000:
        # Dense bincount over all m*m keys: linear time, no sort (the common case).
        present = np.bincount(key, minlength=m * m) > 0
        slot = np.cumsum(present) - 1
        return np.flatnonzero(present), slot[key]
    return np.unique(key, return_inverse=True)


def _aggregate_battles(
    models: list[str], a: np.ndarray, b: np.ndarray, outcome: np.ndarray, weight: np.ndarray | None, rejected: dict[str, int]
) -> PairCounts:
    """Battle arrays straight to pair counts, without a per-battle cell matrix (memory)."""
    m = max(len(models), 1)
    swap = a > b
    uniq, slot = _pair_slots(np.minimum(a, b), np.maximum(a, b), m)
    # Winner as seen from the lower-index model: A wins unswapped or B wins swapped.
    code = outcome.astype(np.int8)
    lo_wins = ((code == A_WINS) & ~swap) | ((code == B_WINS) & swap)
    hi_wins = ((code == B_WINS) & ~swap) | ((code == A_WINS) & swap)
    sums = []
    for mask in (lo_wins, hi_wins, code == TIE, code == BOTH_BAD):
        sums.append(np.bincount(slot[mask], None if weight is None else weight[mask], len(uniq)).astype(float))
    lo_sum, hi_sum, tie_sum, bad_sum = sums
    return PairCounts(
        models, (uniq // m).astype(np.intp), (uniq % m).astype(np.intp), lo_sum, hi_sum, tie_sum, bad_sum, rejected=rejected
    )


def counts_from_votes(
    models: Sequence[str], model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray, battle: np.ndarray
) -> PairCounts:
    """Counts from one row per vote, where `battle` names the battle each vote is on (e.g. a
    question_id); the result carries the `BattlePatterns` that clustered intervals use.

    Votes are validated as in `counts_from_battles`. A battle is an (id, model pair): should a
    file reuse one id for several pairs (e.g. one prompt asked of several pairs), each pair's
    votes form their own battle, so no vote is dropped."""
    battle = np.asarray(battle)
    n = len(np.asarray(outcome))
    if len(battle) != n:
        raise ValueError("battle must have one entry per vote")
    plain = counts_from_battles(models, model_a, model_b, outcome)  # validates, counts rejects
    a = np.asarray(model_a, dtype=np.int64)
    b = np.asarray(model_b, dtype=np.int64)
    o = np.asarray(outcome, dtype=np.int64)
    m = len(models)
    ok = (a >= 0) & (a < m) & (b >= 0) & (b < m) & (a != b) & (o >= 0) & (o <= 3)
    a, b, o, battle = a[ok], b[ok], o[ok], battle[ok]
    rejected = dict(plain.rejected)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    _, by_id = np.unique(battle, return_inverse=True)
    _, cluster = np.unique(by_id.ravel().astype(np.int64) * max(m, 1) ** 2 + lo * max(m, 1) + hi, return_inverse=True)
    cluster = cluster.ravel()
    counts = _aggregate_battles(list(models), a, b, o, None, rejected)
    # Votes per battle, from the lower-index model's side.
    swap = a > b
    lo_wins = ((o == A_WINS) & ~swap) | ((o == B_WINS) & swap)
    hi_wins = ((o == B_WINS) & ~swap) | ((o == A_WINS) & swap)
    k = cluster.max() + 1 if len(cluster) else 0
    per_battle = np.stack([np.bincount(cluster, mask, k) for mask in (lo_wins, hi_wins, o == TIE, o == BOTH_BAD)], 1)
    battle_key = np.zeros(k, dtype=np.int64)
    battle_key[cluster] = lo * max(m, 1) + hi
    present = np.bincount(cluster, minlength=k) > 0
    slot = np.searchsorted(counts.i * max(m, 1) + counts.j, battle_key[present])
    table = np.column_stack([slot, per_battle[present]])
    uniq, how_many = np.unique(table, axis=0, return_counts=True)
    wins_i, wins_j, ties, both_bad = (uniq[:, c].astype(float) for c in range(1, 5))
    counts.patterns = BattlePatterns(uniq[:, 0].astype(np.intp), wins_i, wins_j, ties, both_bad, how_many.astype(float))
    return counts


def counts_from_patterns(rows: Iterable, models: Sequence[str] | None = None) -> PairCounts:
    """Counts from stored battle patterns: rows (model_a, model_b, wins_a, wins_b, ties,
    both_bad, battles) meaning "`battles` battles of this pair got exactly these votes"
    (tuples or dicts with those keys). Rows may repeat a pattern or a pair in either order.
    Bad rows (same model twice, negative or non-numeric counts, no votes) are counted in
    `rejected`."""
    index: dict[str, int] = {}
    for name in models or ():
        index.setdefault(str(name), len(index))
    keys = ("model_a", "model_b", "wins_a", "wins_b", "ties", "both_bad", "battles")
    a_idx, b_idx, cells = [], [], []
    rejected: dict[str, int] = {}
    for row in rows:
        try:
            values = [row[k] for k in keys] if isinstance(row, dict) else list(row)
            model_a, model_b = str(values[0]), str(values[1])
            numbers = [float(v) for v in values[2:7]]
            if len(values) != 7:
                raise IndexError
        except (IndexError, KeyError, TypeError, ValueError):
            rejected["missing or non-numeric field"] = rejected.get("missing or non-numeric field", 0) + 1
            continue
        if model_a == model_b:
            rejected["same model on both sides"] = rejected.get("same model on both sides", 0) + 1
            continue
        if not all(np.isfinite(x) and x >= 0 for x in numbers) or sum(numbers[:4]) == 0:
            rejected["negative, non-finite or empty count"] = rejected.get("negative, non-finite or empty count", 0) + 1
            continue
        a_idx.append(index.setdefault(model_a, len(index)))
        b_idx.append(index.setdefault(model_b, len(index)))
        cells.append(numbers)
    cell = np.asarray(cells, dtype=float).reshape(-1, 5)
    a, b = np.asarray(a_idx, dtype=np.intp), np.asarray(b_idx, dtype=np.intp)
    swap = a > b
    votes = cell[:, :4].copy()
    votes[swap, 0], votes[swap, 1] = cell[swap, 1], cell[swap, 0]
    lo, hi = np.where(swap, b, a), np.where(swap, a, b)
    counts = _aggregate(list(index), lo, hi, votes * cell[:, 4:5], rejected)
    m = max(len(index), 1)
    slot = np.searchsorted(counts.i * m + counts.j, lo.astype(np.int64) * m + hi)
    table = np.column_stack([slot, votes])
    uniq, inverse = np.unique(table, axis=0, return_inverse=True)
    battles = np.bincount(inverse.ravel(), cell[:, 4], len(uniq))
    wins_i, wins_j, ties, both_bad = (uniq[:, c] for c in range(1, 5))
    counts.patterns = BattlePatterns(uniq[:, 0].astype(np.intp), wins_i, wins_j, ties, both_bad, battles)
    return counts
