"""Brute-force checks of the aggregated pair counts, written independently of the store's tally."""
from __future__ import annotations

import json

from sqlalchemy import text

from arenabot.storage import Store

_SWAP = {"a": "b", "b": "a", "tie": "tie", "both_bad": "both_bad"}
_COLUMN = {"a": 0, "b": 1, "tie": 2, "both_bad": 3}
Counts = dict[tuple[str, str, str, str], tuple[int, int, int, int]]


def counts_from_votes(rows) -> Counts:  # type: ignore[no-untyped-def]
    """rows: (scope_key, model_a, model_b, categories, outcome) of every vote that should count."""
    tallies: dict[tuple[str, str, str, str], list[int]] = {}
    for scope, model_a, model_b, categories, outcome in rows:
        if model_a > model_b:
            model_a, model_b, outcome = model_b, model_a, _SWAP[outcome]
        for counted_in in (scope, "*"):  # its own scope, and the global totals
            for category in ["", *set(categories)]:
                tallies.setdefault((counted_in, category, model_a, model_b), [0, 0, 0, 0])[_COLUMN[outcome]] += 1
    return {k: tuple(v) for k, v in tallies.items()}  # type: ignore[misc]


def rows(conn, sql: str) -> list:  # type: ignore[no-untyped-def]
    return conn.execute(text(sql)).all()


async def stored_counts(store: Store) -> Counts:
    found = await store.run_read(
        rows, "SELECT scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad FROM pair_counts"
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in found if any(r[4:])}


async def recounted(store: Store) -> Counts:
    """Pair counts rebuilt from the votes by the rule: a vote counts iff it is blind, not
    withdrawn, and its battle is neither void nor an identity leak; it is in the pair counts
    once its battle is revealed (closed), never while the battle is open."""
    found = await store.run_read(
        rows,
        "SELECT b.scope_key, b.model_a, b.model_b, b.categories, v.outcome, v.counted, v.blind,"
        " b.status, b.identity_leak FROM votes v JOIN battles b ON b.id = v.battle_id",
    )
    counting = []
    for scope, a, b, cats, outcome, counted, blind, status, leak in found:
        should = bool(blind) and outcome is not None and status != "void" and not leak
        assert bool(counted) == should, f"vote flag counted={counted} but the rule says {should}"
        if should and status == "closed":
            counting.append((scope, a, b, json.loads(cats) if isinstance(cats, str) else cats, outcome))
    return counts_from_votes(counting)


Patterns = dict[tuple[str, str, str, str, int, int, int, int], int]


async def stored_patterns(store: Store) -> Patterns:
    found = await store.run_read(
        rows, "SELECT scope_key, category, model_a, model_b, wins_a, wins_b, ties, both_bad, battles FROM battle_patterns"
    )
    return {tuple(r[:8]): r[8] for r in found if r[8]}


async def recounted_patterns(store: Store) -> Patterns:
    """Battle patterns rebuilt from the votes: each revealed battle with counted votes is one
    battle of its pair whose pattern is its counted votes, oriented model_a < model_b."""
    found = await store.run_read(
        rows,
        "SELECT b.id, b.scope_key, b.model_a, b.model_b, b.categories, v.outcome FROM votes v"
        " JOIN battles b ON b.id = v.battle_id WHERE v.counted AND b.status = 'closed'",
    )
    per_battle: dict[int, tuple] = {}
    cells: dict[int, list[int]] = {}
    for battle_id, scope, a, b, cats, outcome in found:
        if a > b:
            a, b, outcome = b, a, _SWAP[outcome]
        per_battle[battle_id] = (scope, a, b, json.loads(cats) if isinstance(cats, str) else cats)
        cells.setdefault(battle_id, [0, 0, 0, 0])[_COLUMN[outcome]] += 1
    patterns: Patterns = {}
    for battle_id, (scope, a, b, cats) in per_battle.items():
        for counted_in in (scope, "*"):
            for category in ["", *set(cats)]:
                key = (counted_in, category, a, b, *cells[battle_id])
                patterns[key] = patterns.get(key, 0) + 1  # type: ignore[index]
    return patterns


async def assert_consistent(store: Store) -> None:
    assert await stored_counts(store) == await recounted(store)
    assert await stored_patterns(store) == await recounted_patterns(store)
    kept = await store.run_read(
        rows,
        "SELECT b.id, b.counted_votes, (SELECT count(*) FROM votes v WHERE v.battle_id = b.id AND v.counted)"
        " FROM battles b",
    )
    for battle_id, counter, actual in kept:
        assert counter == actual, f"battle {battle_id}: counted_votes={counter} but {actual} votes count"
