"""The optional LLM prompt classifier against the fake OpenAI-compatible server: a strict JSON
answer adds Chatbot Arena's categories to the battle; garbage, a timeout or an HTTP 500 leave the
rule-based categories alone and never hold up or break the battle."""
from __future__ import annotations

import json
import random

import pytest

from arenabot.app import build_core
from arenabot.categories import CRITERIA
from arenabot.classifier import RUBRIC, ClassifierAnswerError, parse_answer
from arenabot.config import ConfigError, settings_from_dict
from arenabot.domain import Actor, Scope
from tests.support.fake_platform import FakePlatform

SCOPE = Scope("fake", "guild-1")
PROMPT = "Tell me something nice about otters"  # the rules find no topic category in it


def answer(*, hard: bool = True, math: bool = False, follow: int = 0, creative: bool = False) -> str:
    criteria = {name: hard for name in CRITERIA}
    return json.dumps({"criteria": criteria, "math": math, "instruction_following": follow, "creative_writing": creative})


def settings(db_url: str, api, **categories):
    judge = {"name": "judge", "provider": "openai", "model_id": "judge", "base_url": f"{api.url}/v1", "enabled": False,
             "limits": {"first_token_timeout_s": 30, "total_timeout_s": 60, "max_retries": 0}}
    return settings_from_dict({
        "database": {"url": db_url},
        "categories": {"classifier_model": "judge", **categories},
        "models": [{"name": "demo-owl", "provider": "demo", "model_id": "owl"},
                   {"name": "demo-fox", "provider": "demo", "model_id": "fox"}, judge],
    })


async def run_battle(db_url, api, **categories):
    platform = FakePlatform()
    async with build_core(settings(db_url, api, **categories), rng=random.Random(3)) as service:
        reply = await service.start_battle(platform, SCOPE, "c", Actor("ann", "Ann"), PROMPT)
        assert reply.ok  # the battle ran whatever the judge does
        await service.battles.classifier.drain()
        battle = await service.store.battle_by_thread(platform.name, platform.last_thread().ref)
        return battle, service.battles.classifier.failures


def sent_rubric(api) -> bool:
    body = api.requests[-1].body
    return body["messages"][0] == {"role": "system", "content": RUBRIC} and body["messages"][1]["content"] == PROMPT


async def test_a_strict_answer_adds_its_categories(api, sqlite_url):
    api.script("judge", tokens=[answer(hard=True, math=True, follow=4, creative=False)])
    battle, failures = await run_battle(sqlite_url, api)
    assert {"hard_prompt", "math", "instruction_following"} <= set(battle.categories)
    assert "creative_writing" not in battle.categories and not failures
    assert sent_rubric(api)


@pytest.mark.parametrize(
    "tokens, kind",
    [
        (["Sure! Here is the JSON: ", answer()], "answer"),
        (["```json\n", answer(), "\n```"], "answer"),
        ([json.dumps({"criteria": {}, "math": False, "instruction_following": 0, "creative_writing": False})], "answer"),
    ],
)
async def test_anything_but_the_json_object_is_refused(api, sqlite_url, tokens, kind):
    api.script("judge", tokens=tokens)
    battle, failures = await run_battle(sqlite_url, api)
    assert "hard_prompt" not in battle.categories and failures == {kind: 1}


async def test_a_server_error_or_a_timeout_leaves_the_rules(api, sqlite_url):
    api.script("judge", fault="status", status=500)
    battle, failures = await run_battle(sqlite_url, api)
    assert battle.categories == ["english"] and failures == {"error": 1}

    api.script("judge", tokens=[answer()], headers_delay_s=5)
    battle, failures = await run_battle(sqlite_url, api, classifier_timeout_seconds=0.3)
    assert battle.categories == ["english"] and failures == {"timeout": 1}


def test_parse_answer_is_strict():
    assert parse_answer(answer(hard=False, follow=5)).categories() == ["instruction_following"]
    almost = json.loads(answer())
    for broken in (
        {**almost, "extra": 1},
        {**almost, "math": "yes"},
        {**almost, "instruction_following": 6},
        {**almost, "instruction_following": True},
        {**almost, "criteria": {**almost["criteria"], "specificity": 1}},
    ):
        with pytest.raises(ClassifierAnswerError):
            parse_answer(json.dumps(broken))
    five_of_seven = {**almost, "criteria": {k: i < 5 for i, k in enumerate(CRITERIA)}}
    assert "hard_prompt" not in parse_answer(json.dumps(five_of_seven)).categories()


def test_an_unknown_classifier_model_names_the_key():
    with pytest.raises(ConfigError, match=r"categories\.classifier_model.*'nobody'.*\[\[models\]\]"):
        settings_from_dict({"categories": {"classifier_model": "nobody"}})
