"""The export read as Chatbot Arena's own analysis reads it.

`fastchat_board` re-implements, from FastChat's documented columns (elo_analysis.py's
report_elo_analysis_results and the published dataset fields), the filtering its loading path
applies: anonymous battles only, dedup_tag.sampled, a language filter on the full language name,
a category filter on the nested category_tag, the winner spellings (every "tie..." a tie). It
reads the JSON with the json module (no pandas) and fits Bradley-Terry by maximum likelihood
with scipy. The boards must equal arenabot's own for the overall board, a language and a
category, or an analyst loading arenabot's export into FastChat would see a different arena.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.optimize import minimize

from arenabot.domain import Actor, Outcome
from arenabot.providers import Completion

from .conftest import MOD, SCOPE, ScriptedProvider, battle, model

MODELS = ["alpha", "beta", "gamma", "delta"]
STRENGTH = {"alpha": 1.2, "beta": 0.6, "gamma": 0.0, "delta": -0.5}
# Each model has a style of its own, so conv_metadata differs per side.
STYLE = {
    "alpha": "# Answer\n\n- one point\n- another point\n\n**In short**: ",
    "beta": "1. First\n2. Second\n\n",
    "gamma": "Plainly put, ",
    "delta": "## Note\n__mind__ this: ",
}
ENGLISH = [f"Explain how {t} works in everyday life" for t in ("rain", "tides", "magnets", "vaccines", "bridges", "taxes")]
ENGLISH += [
    f"What should I know about {t} before I start" for t in ("gardening", "running", "baking", "chess", "sailing", "piano")
]
MATH = [f"Solve {a}x + {b} = {c} for x and show the steps" for a, b, c in ((2, 3, 11), (3, 1, 10), (5, 5, 30), (4, 2, 18))]
MATH += [f"Calculate the integral of x^{n} from 0 to {n}" for n in (2, 3, 4, 5, 6, 7, 8, 9)]
FRENCH = [f"Explique-moi pourquoi le ciel est bleu, version {n}, avec des mots simples" for n in range(8)]
VOTERS = [Actor(f"voter-{k}", f"Voter {k}") for k in range(4)]


class StyledProvider(ScriptedProvider):
    """Replies in the model's own markdown style (and never name the model)."""

    async def complete(self, model_settings, messages, on_delta=None) -> Completion:
        self.calls.append((model_settings.name, list(messages)))
        text = STYLE[model_settings.name] + f"reply {len(self.calls)} about: {messages[-1].content}"
        if on_delta:
            await on_delta(text)
        return Completion(text=text, finish_reason="stop", completion_tokens=len(text.split()))


@pytest.fixture
def provider() -> ScriptedProvider:
    return StyledProvider()


# ---- the reader, as FastChat's loading path would read the export ------------------------------


def fastchat_rows(data: bytes, *, language: str | None = None, keep: Callable[[dict], bool] = lambda r: True) -> list[dict]:
    rows = [r for r in json.loads(data) if keep(r)]  # elo_analysis: filter_func first
    if language:
        rows = [r for r in rows if r["language"] == language]  # --langs: full names, e.g. "English"
    rows = [r for r in rows if r["anony"]]  # "Only use anonymous votes"
    return [r for r in rows if r["dedup_tag"]["sampled"]]  # the published boards drop unsampled duplicates


def fastchat_board(rows: list[dict]) -> tuple[dict[str, float], dict[str, int]]:
    """Bradley-Terry ratings (scale 400, base 10, mean 1000) and battles per model."""
    models = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    index = {m: k for k, m in enumerate(models)}
    a = np.array([index[r["model_a"]] for r in rows])
    b = np.array([index[r["model_b"]] for r in rows])
    # Ties, "tie (bothbad)" included ("tie" in the winner), are half a win to each side.
    win_a = np.array([1.0 if r["winner"] == "model_a" else 0.5 if "tie" in r["winner"] else 0.0 for r in rows])
    assert {r["winner"] for r in rows} <= {"model_a", "model_b", "tie", "tie (bothbad)"}

    def loss(free: np.ndarray) -> float:
        theta = np.concatenate([[0.0], free])
        d = theta[a] - theta[b]
        return float(-(win_a * -np.logaddexp(0, -d) + (1 - win_a) * -np.logaddexp(0, d)).sum())

    fit = minimize(loss, np.zeros(len(models) - 1), method="BFGS", options={"gtol": 1e-10})
    theta = np.concatenate([[0.0], fit.x]) * 400 / math.log(10)
    theta += 1000 - theta.mean()
    counts = {m: sum(1 for r in rows if m in (r["model_a"], r["model_b"])) for m in models}
    return dict(zip(models, theta.tolist(), strict=True)), counts


# ---- the arena: real battles through the core ----------------------------------------------------


def _outcome(rng: random.Random, model_a: str, model_b: str) -> Outcome:
    p_a = 1 / (1 + math.exp(STRENGTH[model_b] - STRENGTH[model_a]))
    draw = rng.random()
    if draw < 0.15:
        return Outcome.TIE if draw < 0.1 else Outcome.BOTH_BAD
    return Outcome.A if rng.random() < p_a else Outcome.B


async def _play(service, platform, prompts: list[str], rng: random.Random) -> None:
    for prompt in prompts:
        _, _, record = await battle(service, platform, prompt)
        for k, voter in enumerate(VOTERS[: 2 + rng.randrange(3)]):
            outcome = _outcome(rng, record.model_a, record.model_b)
            await service.vote_on_battle(platform, record.id, voter, outcome, f"click-{record.id}-{k}")
        assert (await service.close_battle(platform, MOD, f"#{record.id}", scope=SCOPE)).ok


async def _arena_board(service, category: str | None = None) -> tuple[dict[str, float], dict[str, int]]:
    reply = await service.leaderboard(SCOPE, category=category)
    board = reply.board
    assert board is not None and not any("prior" in note for note in board.notes), board  # a plain maximum-likelihood fit
    return {r.model: r.rating for r in board.rows}, {r.model: r.battles for r in board.rows}


def _same_board(ours: tuple[dict, dict], theirs: tuple[dict, dict]) -> None:
    (ratings, battles), (fc_ratings, fc_battles) = ours, theirs
    assert battles == fc_battles
    assert set(ratings) == set(fc_ratings)
    for name, value in ratings.items():
        assert value == pytest.approx(fc_ratings[name], abs=0.05), name


async def test_fastchat_loading_path_gives_arenabots_boards(core, platform) -> None:
    models = [model(name) for name in MODELS]
    async with core(models=models, rate_limit_battles=1000) as service:
        await _play(service, platform, ENGLISH + MATH + FRENCH, random.Random(3))
        exported = await service.export_battles(MOD, SCOPE, with_conversations=True)
        assert exported.file is not None
        data = exported.file[1]

        _same_board(await _arena_board(service), fastchat_board(fastchat_rows(data)))
        _same_board(await _arena_board(service, "english"), fastchat_board(fastchat_rows(data, language="English")))
        _same_board(await _arena_board(service, "french"), fastchat_board(fastchat_rows(data, language="French")))
        math_tagged = fastchat_rows(data, keep=lambda r: r["category_tag"]["math_v0.1"]["math"])
        assert len(math_tagged) >= 2 * len(MATH)
        _same_board(await _arena_board(service, "math"), fastchat_board(math_tagged))


async def test_exported_fields_have_fastchats_shapes(core, platform) -> None:
    async with core(models=[model(name) for name in MODELS], rate_limit_battles=1000) as service:
        await _play(
            service, platform, [ENGLISH[0], MATH[0], FRENCH[0], "Write a python function that reverses a list"], random.Random(1)
        )
        plain = json.loads((await service.export_battles(MOD, SCOPE)).file[1])  # type: ignore[index]
        full = json.loads((await service.export_battles(MOD, SCOPE, with_conversations=True)).file[1])  # type: ignore[index]
    assert "conversation_a" not in plain[0]
    assert [{k: v for k, v in r.items() if not k.startswith("conversation_")} for r in full] == plain
    by_prompt: dict[str, list[dict[str, Any]]] = {}
    for r in full:
        by_prompt.setdefault(r["conversation_a"][0]["content"], []).append(r)
    for records in by_prompt.values():
        r = records[0]
        assert r["question_id"].startswith(SCOPE.key + "#") and r["turn"] == 1
        assert [m["role"] for m in r["conversation_a"]] == ["user", "assistant"] == [m["role"] for m in r["conversation_b"]]
        reply_a, reply_b = r["conversation_a"][1]["content"], r["conversation_b"][1]["content"]
        assert reply_a.startswith(STYLE[r["model_a"]]) and reply_b.startswith(STYLE[r["model_b"]])
        meta = r["conv_metadata"]
        assert set(meta) == {
            "sum_user_tokens",
            "sum_assistant_a_tokens",
            "sum_assistant_b_tokens",
            "context_a_tokens",
            "context_b_tokens",
            "turns",
            *(f"{kind}_count_{side}" for kind in ("header", "list", "bold") for side in "ab"),
        }
        assert meta["turns"] == 1 and meta["context_a_tokens"] == meta["sum_user_tokens"] > 0
        assert set(meta["header_count_a"]) == {"h1", "h2", "h3", "h4", "h5", "h6"}
        assert set(meta["list_count_b"]) == {"ordered", "unordered"} and set(meta["bold_count_a"]) == {"**", "__"}
        for side, name in (("a", r["model_a"]), ("b", r["model_b"])):
            expected = {
                "alpha": ({"h1": 1}, {"unordered": 2}, {"**": 1}),
                "beta": ({}, {"ordered": 2}, {}),
                "gamma": ({}, {}, {}),
                "delta": ({"h2": 1}, {}, {"__": 1}),
            }[name]
            for kind, counts in zip(("header", "list", "bold"), expected, strict=True):
                assert {k: v for k, v in meta[f"{kind}_count_{side}"].items() if v} == counts, (name, kind)
        tags = r["category_tag"]
        assert set(tags) >= {"criteria_v0.1", "math_v0.1", "if_v0.1", "creative_writing_v0.1"}
        assert set(tags["criteria_v0.1"]) == {
            "specificity",
            "domain_knowledge",
            "complexity",
            "problem_solving",
            "creativity",
            "technical_accuracy",
            "real_world",
        }
        assert set(tags["if_v0.1"]) == {"if", "score"} and set(tags["creative_writing_v0.1"]) == {"creative_writing", "score"}
        assert r["dedup_tag"] == {"high_freq": False, "sampled": True}
        assert all(other["question_id"] == r["question_id"] for other in records)  # one battle, several votes
    langs = {r["conversation_a"][0]["content"]: r["language"] for r in full}
    assert langs[FRENCH[0]] == "French" and langs[ENGLISH[0]] == "English"
    code = next(r for r in full if "python" in r["conversation_a"][0]["content"])
    assert code["is_code"] is True and code["category_tag"]["criteria_v0.1"]["technical_accuracy"] is True
    solved = next(r for r in full if r["conversation_a"][0]["content"] == MATH[0])
    assert solved["category_tag"]["math_v0.1"] == {"math": True} and solved["is_code"] is False


async def test_style_control_on_the_bots_own_data(core, platform, tmp_path) -> None:
    """`leaderboard style:on` rates the stored replies' style, and gives the board `arenabot
    ratings --style` gives on the export; an open battle's votes stay out of it."""
    from arenabot import battlelog
    from arenabot.ratings import STYLE_FEATURES, rate_style, style_features

    async with core(models=[model(name) for name in MODELS], rate_limit_battles=1000) as service:
        await _play(service, platform, ENGLISH + MATH, random.Random(7))
        plain = (await service.leaderboard(SCOPE)).board
        styled = (await service.leaderboard(SCOPE, style=True)).board
        assert plain is not None and styled is not None and "style control" in styled.method
        assert {r.model: r.battles for r in styled.rows} == {r.model: r.battles for r in plain.rows}
        assert {r.model: r.rating for r in styled.rows} != pytest.approx({r.model: r.rating for r in plain.rows})
        assert any(note.startswith("style length:") for note in styled.notes)

        path = tmp_path / "export.json"
        path.write_bytes((await service.export_battles(MOD, SCOPE)).file[1])  # type: ignore[index]
        log = battlelog.load_battles(path)
        log = log.subset(log.anony)
        offline = rate_style(
            log.models,
            log.model_a,
            log.model_b,
            log.outcome,
            style_features(log.style_a, log.style_b),
            feature_names=STYLE_FEATURES,
        )
        for row in styled.rows:
            assert row.rating == pytest.approx(offline.row(row.model).rating, abs=1e-6), row.model

        # A vote on a battle still open changes nothing anyone can see.
        _, _, open_battle = await battle(service, platform, "Explain volcanoes to a ten-year-old")
        await service.vote_on_battle(platform, open_battle.id, VOTERS[0], Outcome.A, "click-open")
        assert (await service.leaderboard(SCOPE, style=True)).board == styled
        math_only = (await service.leaderboard(SCOPE, category="math", style=True)).board
        assert math_only is not None and sum(r.battles for r in math_only.rows) < sum(r.battles for r in styled.rows)
