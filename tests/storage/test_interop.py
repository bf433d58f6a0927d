"""clean_battle export/import, and real crowd votes (LLMFAO) replayed through the store."""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from arenabot.domain import Outcome, Side
from arenabot.storage import PairCount, Store, TurnRecord

from .factories import T0, battle
from .recount import assert_consistent

LLMFAO = Path(__file__).resolve().parents[3] / "shared" / "data" / "llmfao" / "crowd-comparisons.csv"
CSV_OUTCOME = {"left": Outcome.A, "right": Outcome.B, "tie": Outcome.TIE}


async def _some_history(store: Store) -> None:
    plain = await battle(store, "alpha", "beta", categories=["coding"])
    for side in Side:
        await store.add_turn(TurnRecord(plain.id, 0, side, "p", "r"))
        await store.add_turn(TurnRecord(plain.id, 1, side, "p2", "r2"))
    await store.record_vote(plain.id, "user-111", Outcome.A, event_id=None, now=T0 + timedelta(seconds=1))
    await store.record_vote(plain.id, "user-222", Outcome.BOTH_BAD, event_id=None, now=T0 + timedelta(seconds=2))
    await store.close_battle(plain.id, T0 + timedelta(seconds=3))
    await store.record_vote(plain.id, "user-333", Outcome.B, event_id=None, now=T0 + timedelta(seconds=4))  # late
    leaky = await battle(store, "gamma", "alpha")
    await store.record_vote(leaky.id, "user-111", Outcome.TIE, event_id=None, now=T0 + timedelta(seconds=5))
    await store.flag_identity_leak(leaky.id)
    await store.close_battle(leaky.id, T0 + timedelta(seconds=5))  # exports hold revealed battles only
    void = await battle(store, "beta", "gamma")
    await store.record_vote(void.id, "user-111", Outcome.B, event_id=None, now=T0 + timedelta(seconds=6))
    await store.void_battle(void.id, "failed")


async def test_export_import_round_trip(store: Store) -> None:
    await _some_history(store)
    exported = await store.export_clean_battles("discord:guild1")
    assert [(r["model_a"], r["model_b"], r["winner"], r["anony"]) for r in exported] == [
        ("alpha", "beta", "model_a", True),
        ("alpha", "beta", "tie (bothbad)", True),
        ("gamma", "alpha", "tie", False),
    ]
    first = exported[0]
    assert first["turn"] == 2 and first["language"] == "English" and first["is_code"] is True
    assert first["category_tag"]["arenabot_v0.1"] == {"coding": True}
    assert first["tstamp"] == (T0 + timedelta(seconds=1)).timestamp()
    assert first["question_id"].startswith("discord:guild1#")
    judges = [r["judge"] for r in exported]
    assert judges[0] == judges[2] != judges[1]  # stable per voter, and never the raw id
    assert not any(raw in str(exported) for raw in ("user-111", "user-222"))  # raw ids never leave

    report = await store.import_clean_battles(exported, "slack:T2", T0)
    assert (report.imported, report.duplicates, report.bad) == (3, 0, [])
    reimported = await store.export_clean_battles("slack:T2")
    assert reimported == exported  # question ids, categories, style counts and dedup tags come back as they went
    assert await store.pair_counts("slack:T2", None) == await store.pair_counts("discord:guild1", None)
    assert await store.pair_counts("slack:T2", "coding") == [PairCount("alpha", "beta", wins_a=1, both_bad=1)]

    again = await store.import_clean_battles(exported, "slack:T2", T0)
    assert (again.imported, again.duplicates) == (0, 3)
    assert len(await store.export_clean_battles("slack:T2")) == 3
    await assert_consistent(store)


async def test_bad_import_records_are_reported_not_fatal(store: Store) -> None:
    good = {"model_a": "a", "model_b": "b", "winner": "model_b", "tstamp": 1700000000.5}
    records = [
        good,
        "not an object",
        {**good, "winner": "left"},
        {**good, "model_b": "a"},
        {**good, "model_a": ""},
        {**good, "tstamp": "yesterday"},
        {**good, "anony": "yes"},
        {**good, "turn": 0},
        {**good, "category_tag": ["x"]},
        {**good, "judge": "j2", "category_tag": {"math": True, "criteria_v0.1": {"complexity": True}}},
    ]
    report = await store.import_clean_battles(records, "import:test", T0)
    assert report.imported == 2 and report.duplicates == 0
    assert [b.split(":")[0] for b in report.bad] == [f"record {i}" for i in range(1, 9)]
    assert "unknown winner 'left'" in report.bad[1]
    assert await store.pair_counts("import:test", None) == [PairCount("a", "b", wins_b=2)]
    assert await store.pair_counts("import:test", "math") == [PairCount("a", "b", wins_b=1)]
    assert await store.pair_counts("import:test", "criteria_v0.1") == []


def _llmfao_rows(limit: int | None = None) -> list[dict[str, str]]:
    if not LLMFAO.is_file():
        pytest.skip(f"LLMFAO data not found at {LLMFAO}")
    with LLMFAO.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit] if limit else rows


def _csv_tallies(rows: list[dict[str, str]]) -> list[PairCount]:
    """Pair counts straight from the CSV, oriented name-low vs name-high."""
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        left, right, winner = row["left"], row["right"], row["winner"]
        low, high = sorted((left, right))
        if winner == "tie":
            tallies[(low, high)][2] += 1
        else:
            tallies[(low, high)][0 if (left if winner == "left" else right) == low else 1] += 1
    return [PairCount(a, b, *t) for (a, b), t in sorted(tallies.items())]


async def test_llmfao_crowd_votes_replayed_as_battles(store: Store) -> None:
    rows = _llmfao_rows(300)
    battle_ids: dict[str, int] = {}
    for row in rows:
        if row["id"] not in battle_ids:
            battle_ids[row["id"]] = (await battle(store, row["left"], row["right"], scope_key="console:llmfao")).id
        result = await store.record_vote(
            battle_ids[row["id"]], row["worker"], CSV_OUTCOME[row["winner"]], event_id=f"llmfao-{row['id']}-{row['worker']}", now=T0
        )
        assert result.status == "counted"
    assert await store.pair_counts("console:llmfao", None) == []  # every battle still open
    for battle_id in battle_ids.values():
        assert await store.close_battle(battle_id, T0)
    assert await store.pair_counts("console:llmfao", None) == _csv_tallies(rows)
    await assert_consistent(store)


async def test_llmfao_full_file_through_clean_battle_import(store: Store) -> None:
    rows = _llmfao_rows()
    records = [
        {
            "model_a": r["left"],
            "model_b": r["right"],
            "winner": CSV_OUTCOME[r["winner"]].clean_battle_winner,
            "judge": f"worker{r['worker']}",
            "tstamp": 1_700_000_000 + i,
            "question_id": r["id"],
        }
        for i, r in enumerate(rows)
    ]
    report = await store.import_clean_battles(records, "import:llmfao", T0)
    assert (report.imported, report.bad) == (len(rows), [])
    assert await store.pair_counts("import:llmfao", None) == _csv_tallies(rows)
    assert (await store.stats("import:llmfao")).counted_votes == len(rows)
