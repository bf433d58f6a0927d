"""How a vote moves the aggregated pair counts. Pure functions, no SQL.

Pair counts are kept in canonical orientation (model_a < model_b), so a battle whose sides are the
other way round has its A and B outcomes swapped. Every battle adds to the overall row
(category "") and to one row per category it carries, both in its own scope and in the global
scope "*" (kept in the same transaction, so a global leaderboard reads one row per pair instead of
summing every server's rows).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from arenabot.domain import Outcome

COLUMNS = ("wins_a", "wins_b", "ties", "both_bad")
OVERALL = ""
GLOBAL_SCOPE = "*"  # never a real scope key, which is always "platform:space"
# Named (side-by-side) battles count on boards of their own: the same rows under scope keys with
# this prefix ("named/discord:42", "named/*"), so no anonymous board ever reads them.
NAMED_PREFIX = "named/"
MODES = ("anonymous", "named")


def board_scope(scope_key: str, anony: bool = True) -> str:
    """The pair-count scope a battle of `scope_key` counts in: its own, or its named twin."""
    return scope_key if anony else NAMED_PREFIX + scope_key


def read_scope(scope_key: str | None, mode: str = "anonymous") -> str:
    """The pair-count scope a board reads: a scope or (None) everywhere, in a mode."""
    if mode not in MODES:
        raise ValueError(f"unknown board mode {mode!r}: expected one of {', '.join(MODES)}")
    return board_scope(GLOBAL_SCOPE if scope_key is None else scope_key, mode == "anonymous")


_COLUMN = {Outcome.A: "wins_a", Outcome.B: "wins_b", Outcome.TIE: "ties", Outcome.BOTH_BAD: "both_bad"}
_SWAPPED = {"wins_a": "wins_b", "wins_b": "wins_a", "ties": "ties", "both_bad": "both_bad"}

PairKey = tuple[str, str, str, str]  # scope_key, category, model_a, model_b (canonical)


def canonical(model_a: str, model_b: str, outcome: Outcome) -> tuple[str, str, str]:
    """(low model, high model, column to count) for an outcome seen from the battle's sides."""
    if model_a == model_b:
        raise ValueError(f"a battle needs two different models, got {model_a!r} twice")
    column = _COLUMN[outcome]
    if model_a < model_b:
        return model_a, model_b, column
    return model_b, model_a, _SWAPPED[column]


def battle_categories(categories: Iterable[str]) -> list[str]:
    """The pair-count categories a battle contributes to: overall plus each of its own."""
    return [OVERALL, *sorted({c for c in categories if c})]


def vote_deltas(
    scope_key: str,
    model_a: str,
    model_b: str,
    categories: Iterable[str],
    changes: Mapping[Outcome, int],
) -> list[dict[str, object]]:
    """Rows of increments for the pair_counts upsert, sorted by key so that concurrent writers
    always lock rows in the same order (no deadlocks on PostgreSQL). `changes` maps an outcome
    to how many counted votes of it appear (+) or disappear (-)."""
    per_column: Counter[str] = Counter()
    low = high = ""
    for outcome, n in changes.items():
        if n:
            low, high, column = canonical(model_a, model_b, outcome)
            per_column[column] += n
    if not any(per_column.values()):
        return []
    cats = battle_categories(categories)
    counts = {c: per_column[c] for c in COLUMNS}
    everywhere = NAMED_PREFIX + GLOBAL_SCOPE if scope_key.startswith(NAMED_PREFIX) else GLOBAL_SCOPE
    return [
        {"scope_key": scope, "category": cat, "model_a": low, "model_b": high, **counts}
        for scope in sorted({scope_key, everywhere})
        for cat in cats
    ]


def merge_deltas(rows: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """Sum increment rows that share a key (bulk imports), sorted by key."""
    merged: dict[PairKey, Counter[str]] = defaultdict(Counter)
    for row in rows:
        key = (str(row["scope_key"]), str(row["category"]), str(row["model_a"]), str(row["model_b"]))
        merged[key].update({c: int(row[c]) for c in COLUMNS})  # type: ignore[call-overload]
    return [
        {"scope_key": k[0], "category": k[1], "model_a": k[2], "model_b": k[3], **{c: counts[c] for c in COLUMNS}}
        for k, counts in sorted(merged.items())
    ]


# ---- battle patterns: what intervals clustered by battle need ----------------------------------

PATTERN_COLUMNS = (*COLUMNS, "battles")
PatternKey = tuple[str, str, str, str, int, int, int, int]  # PairKey + the votes of one battle


def pattern_deltas(
    scope_key: str, model_a: str, model_b: str, categories: Iterable[str], counted: Mapping[Outcome, int], battles: int
) -> list[dict[str, object]]:
    """Rows for the battle_patterns upsert: one revealed battle whose counted votes are `counted`
    joins (battles=+1) or leaves (-1) the count of battles of its pair with exactly those votes
    (see `arenabot.ratings.BattlePatterns`). A battle without counted votes is no pattern."""
    return [{**row, "battles": battles} for row in vote_deltas(scope_key, model_a, model_b, categories, counted)]


def merge_patterns(rows: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """Sum pattern rows that share a key (bulk imports), sorted by key."""
    merged: Counter[PatternKey] = Counter()
    for row in rows:
        key = (
            str(row["scope_key"]),
            str(row["category"]),
            str(row["model_a"]),
            str(row["model_b"]),
            *(int(row[c]) for c in COLUMNS),  # type: ignore[call-overload]
        )
        merged[key] += int(row["battles"])  # type: ignore[call-overload]
    fields = ("scope_key", "category", "model_a", "model_b", *COLUMNS)
    return [{**dict(zip(fields, key, strict=True)), "battles": n} for key, n in sorted(merged.items()) if n]
