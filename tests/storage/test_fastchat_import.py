"""Importing records as Chatbot Arena publishes them: their fields are kept (categories, language,
style metadata, question ids, conversations), boards per category work on them, and an export
gives them back."""

from __future__ import annotations

from typing import Any

from arenabot import battlelog
from arenabot.domain import Outcome
from arenabot.storage import PairCount, Store

from .factories import T0
from .recount import assert_consistent


def arena_record(qid: str, a: str, b: str, winner: str, **extra: Any) -> dict[str, Any]:
    """A record shaped like the public Chatbot Arena releases (arena-human-preference style)."""
    return {
        "question_id": qid,
        "model_a": a,
        "model_b": b,
        "winner": winner,
        "judge": f"arena_user_{qid}",
        "conversation_a": [{"role": "user", "content": f"question {qid}"}, {"role": "assistant", "content": f"# A\n**{qid}**"}],
        "conversation_b": [{"role": "user", "content": f"question {qid}"}, {"role": "assistant", "content": "- b\n- b"}],
        "turn": 1,
        "anony": True,
        "language": "English",
        "tstamp": 1_720_000_000.0,
        "conv_metadata": {
            "sum_user_tokens": 3,
            "sum_assistant_a_tokens": 5,
            "sum_assistant_b_tokens": 4,
            "context_a_tokens": 3,
            "context_b_tokens": 3,
            "turns": 1,
            "header_count_a": {"h1": 1, "h2": 0, "h3": 0, "h4": 0, "h5": 0, "h6": 0},
            "list_count_a": {"ordered": 0, "unordered": 0},
            "bold_count_a": {"**": 1, "__": 0},
            "header_count_b": {"h1": 0, "h2": 0, "h3": 0, "h4": 0, "h5": 0, "h6": 0},
            "list_count_b": {"ordered": 0, "unordered": 2},
            "bold_count_b": {"**": 0, "__": 0},
        },
        "is_code": False,
        "dedup_tag": {"high_freq": False, "sampled": True},
        "category_tag": {
            "criteria_v0.1": {
                "specificity": True,
                "domain_knowledge": False,
                "complexity": False,
                "problem_solving": False,
                "creativity": False,
                "technical_accuracy": False,
                "real_world": True,
            },
            "if_v0.1": {"if": False, "score": 1},
            "math_v0.1": {"math": False},
            "creative_writing_v0.1": {"creative_writing": False, "score": "no"},
        },
        **extra,
    }


def _tags(math: bool = False, creative: bool = False) -> dict[str, Any]:
    tags = arena_record("x", "a", "b", "tie")["category_tag"]
    return {
        **tags,
        "math_v0.1": {"math": math},
        "creative_writing_v0.1": {"creative_writing": creative, "score": "yes" if creative else "no"},
    }


RECORDS = [
    arena_record("q1", "gpt", "claude", "model_a", category_tag=_tags(math=True)),
    arena_record("q2", "gpt", "claude", "both_bad"),  # the newer spelling of "tie (bothbad)"
    arena_record("q3", "claude", "llama", "tie (bothbad)", is_code=True),
    arena_record("q4", "llama", "gpt", "model_b", language="Chinese", category_tag=_tags(creative=True)),
    arena_record(
        "q5",
        "gpt",
        "llama",
        "tie",
        turn=2,
        language="unknown",
        conversation_a=[
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "1"},
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "2"},
        ],
    ),
]


async def test_arena_fields_survive_import_and_drive_category_boards(store: Store) -> None:
    report = await store.import_clean_battles(RECORDS, "import:arena", T0)
    assert (report.imported, report.bad) == (5, [])
    assert await store.pair_counts("import:arena", "math") == [PairCount("claude", "gpt", wins_b=1)]
    assert await store.pair_counts("import:arena", "coding") == [PairCount("claude", "llama", both_bad=1)]
    assert await store.pair_counts("import:arena", "creative_writing") == [PairCount("gpt", "llama", wins_a=1)]
    assert await store.pair_counts("import:arena", "chinese") == [PairCount("gpt", "llama", wins_a=1)]
    assert await store.pair_counts("import:arena", "multi_turn") == [PairCount("gpt", "llama", ties=1)]
    english = await store.pair_counts("import:arena", "english")
    assert english == [PairCount("claude", "gpt", wins_b=1, both_bad=1), PairCount("claude", "llama", both_bad=1)]

    exported = await store.export_clean_battles("import:arena", with_conversations=True)
    by_qid = {r["question_id"]: r for r in exported}
    assert set(by_qid) == {"q1", "q2", "q3", "q4", "q5"}
    for original in RECORDS:
        back = by_qid[original["question_id"]]
        same = {k: v for k, v in original.items() if k not in ("judge", "winner")}
        assert {k: back[k] for k in same} == same, original["question_id"]
    assert by_qid["q2"]["winner"] == Outcome.BOTH_BAD.clean_battle_winner
    assert by_qid["q5"]["conversation_b"] == RECORDS[4]["conversation_b"]  # sides keep their own conversations
    await assert_consistent(store)


async def test_style_and_categories_of_an_import_reach_the_ratings_reader(store: Store, tmp_path) -> None:
    await store.import_clean_battles(RECORDS, "import:arena", T0)
    path = tmp_path / "export.json"
    import json

    path.write_text(json.dumps(await store.export_clean_battles("import:arena")))
    log = battlelog.load_battles(path)
    assert len(log) == 5 and not log.rejected
    assert log.style_a[0].tolist() == [5, 1, 0, 1] and log.style_b[0].tolist() == [4, 0, 2, 0]
    assert "math" in log.categories[0] and "real_world" in log.categories[0]


async def test_malformed_conversations_and_fields_are_named(store: Store) -> None:
    good = arena_record("g", "a", "b", "model_a")
    bad = [
        {**good, "conversation_a": [{"role": "assistant", "content": "hi"}]},
        {**good, "conversation_b": "not a list"},
        {**good, "conv_metadata": [1, 2]},
        {**good, "is_code": "yes"},
        {**good, "category_tag": {"math_v0.1": 3}},
        {**good, "question_id": True},
    ]
    report = await store.import_clean_battles(bad, "import:bad", T0)
    assert report.imported == 0 and len(report.bad) == len(bad)
    assert "conversation_a must be a list of {role, content} messages" in report.bad[0]
    assert "conversation_b" in report.bad[1] and "conv_metadata must be an object" in report.bad[2]
    assert "is_code must be true or false" in report.bad[3] and "category_tag['math_v0.1']" in report.bad[4]
    assert "question_id must be a string or an integer" in report.bad[5]


def test_ratings_and_import_accept_the_same_winner_spellings() -> None:
    accepted_by_import = set()
    for winner in ("model_a", "model_b", "tie", "tie (bothbad)", "both_bad", "bothbad", "left", "tie(bothbad)"):
        try:
            Outcome.from_clean_battle(winner)
        except ValueError:
            continue
        accepted_by_import.add(winner)
    assert accepted_by_import == set(battlelog.WINNER_CODES)
    assert {"both_bad", "tie (bothbad)"} <= accepted_by_import


async def test_ratings_and_import_see_the_same_categories(store: Store, tmp_path) -> None:
    """One reader: every category `arenabot ratings --category` finds in a file, the import
    files the same records under (and no other)."""
    import json

    path = tmp_path / "arena.json"
    path.write_text(json.dumps(RECORDS))
    log = battlelog.load_battles(path)
    in_ratings = {c: sum(c in cats for cats in log.categories) for c in set().union(*log.categories)}
    assert {"math", "coding", "creative_writing", "english", "chinese", "multi_turn", "specificity", "real_world"} <= set(
        in_ratings
    )
    await store.import_clean_battles(RECORDS, "import:arena", T0)
    for category, n in in_ratings.items():
        counted = sum(c.wins_a + c.wins_b + c.ties + c.both_bad for c in await store.pair_counts("import:arena", category))
        assert counted == n, category


async def test_style_board_votes_of_an_import_carry_its_conv_metadata(store: Store) -> None:
    plain = {
        k: v
        for k, v in arena_record("bare", "gpt", "llama", "model_a").items()
        if k not in ("conv_metadata", "conversation_a", "conversation_b")
    }
    await store.import_clean_battles([*RECORDS, plain], "import:arena", T0)
    assert len(await store.style_votes("import:arena")) == len(RECORDS) + 1  # every counted vote
    q1 = next(v for v in await store.style_votes("import:arena") if v[5] == "a" and v[2] == "gpt" and v[3] == "claude")
    assert q1[6] == (5.0, 1.0, 0.0, 1.0) and q1[7] == (4.0, 0.0, 2.0, 0.0)
    bare = next(v for v in await store.style_votes("import:arena") if v[2:4] == ("gpt", "llama") and v[5] == "a")
    assert all(x != x for x in bare[6])  # no replies and no conv_metadata: NaN, left out of style boards
    assert await store.style_votes("import:arena", "named") == []
