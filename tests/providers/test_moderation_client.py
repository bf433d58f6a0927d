"""The moderation endpoint client against a fake OpenAI-compatible `/v1/moderations` server."""
from __future__ import annotations

import pytest

from arenabot.config import ConfigError, ModerationSettings, settings_from_dict
from arenabot.providers.moderation import ModerationClient, ModerationUnavailable, parse_results
from tests.support.fake_moderation import FakeModeration, closed_port_url


@pytest.fixture
async def moderation():
    server = await FakeModeration().start()
    try:
        yield server
    finally:
        await server.stop()


def client_for(url: str, key: str | None = None, **settings) -> ModerationClient:
    return ModerationClient(ModerationSettings(base_url=url, **settings), key)


async def test_verdicts_in_order_with_the_flagged_categories(moderation):
    client = client_for(moderation.url, "sk-test-key", model="omni-moderation-latest")
    try:
        verdicts = await client.check(["a calm question", "you MEANIE, kaboom"])
    finally:
        await client.close()
    assert [v.flagged for v in verdicts] == [False, True]
    assert verdicts[1].categories == ("harassment", "violence")
    (request,) = moderation.requests
    assert request.body == {"input": ["a calm question", "you MEANIE, kaboom"], "model": "omni-moderation-latest"}
    assert request.headers["Authorization"] == "Bearer sk-test-key"


async def test_no_key_and_no_model_send_neither(moderation):
    client = client_for(moderation.url)
    try:
        await client.check(["hi"])
    finally:
        await client.close()
    assert "Authorization" not in moderation.requests[0].headers
    assert moderation.requests[0].body == {"input": ["hi"]}


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("500", "http_500", "HTTP 500"),
        ("garbage", "bad_response", "not JSON"),
        ("shape", "bad_response", "no `results` list"),
        ("count", "bad_response", "0 results for 1 inputs"),
        ("drop", "unreachable", "could not be reached"),
    ],
)
async def test_each_failure_is_one_typed_error(moderation, fault, kind, words):
    moderation.fault = fault
    client = client_for(moderation.url)
    try:
        with pytest.raises(ModerationUnavailable) as caught:
            await client.check(["hello"])
    finally:
        await client.close()
    assert caught.value.kind == kind
    assert words in str(caught.value) and moderation.url in str(caught.value)


async def test_a_timeout_and_a_refused_connection():
    slow = await FakeModeration(fault="timeout").start()
    client = client_for(slow.url, timeout_seconds=0.2)
    try:
        with pytest.raises(ModerationUnavailable) as caught:
            await client.check(["hello"])
        assert caught.value.kind == "timeout" and "0.2 s" in str(caught.value)
    finally:
        await client.close()
        await slow.stop()
    refused = client_for(closed_port_url())
    try:
        with pytest.raises(ModerationUnavailable) as caught:
            await refused.check(["hello"])
        assert caught.value.kind == "unreachable"
    finally:
        await refused.close()


async def test_a_refused_key_is_named_but_never_quoted(moderation):
    moderation.require_key = "sk-right"
    client = client_for(moderation.url, "sk-wrong-secret")
    try:
        with pytest.raises(ModerationUnavailable) as caught:
            await client.check(["hello"])
    finally:
        await client.close()
    text = str(caught.value)
    assert caught.value.kind == "http_401" and "moderation.api_key_env" in text
    assert "sk-wr" not in text and "sk-wrong-secret" not in text


def test_parse_results_rejects_non_boolean_flags():
    with pytest.raises(ValueError, match="boolean"):
        parse_results(b'{"results": [{"flagged": "yes"}]}', 1)
    assert parse_results(b'{"results": [{"flagged": true, "categories": {"hate": true, "sexual": false}}]}', 1)[0].categories == ("hate",)


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ({"base_url": "api.openai.com/v1"}, "moderation.base_url = 'api.openai.com/v1': use the API's http(s) base URL"),
        ({"base_url": "https://api.openai.com/v1/moderations"}, "without /moderations"),
        ({"timeout_seconds": 0}, "moderation.timeout_seconds = 0"),
        ({"base_urll": "https://x/v1"}, "moderation.base_urll: unknown key"),
    ],
)
def test_config_errors_name_the_key_and_the_fix(section, words):
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"moderation": section})
    assert words in str(caught.value)


def test_the_key_is_a_secret_for_log_redaction(monkeypatch):
    monkeypatch.setenv("MOD_KEY_FOR_TEST", "sk-moderation-secret")
    settings = settings_from_dict({"moderation": {"base_url": "https://m.example/v1/", "api_key_env": "MOD_KEY_FOR_TEST"}})
    assert settings.moderation.base_url == "https://m.example/v1"
    assert "sk-moderation-secret" in settings.secret_values()
