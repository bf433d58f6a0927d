"""Each API's real wire format, end to end through the hub against the local fake server."""
from __future__ import annotations

import pytest

from arenabot.config import ArenaSettings, Settings
from arenabot.domain import Message
from arenabot.providers import ContentFiltered, EmptyCompletion, ProviderHub, ServerError, StreamError
from tests.providers.conftest import PROVIDERS, TEST_KEY, model_for
from tests.providers.fake_api import DEFAULT_TOKENS

PROMPT = [Message("user", "Name three rivers.")]


class Collect(list):
    async def __call__(self, delta: str) -> None:
        self.append(delta)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_streams_every_token_and_records_usage_and_timing(api, hub, provider):
    deltas = Collect()
    completion = await hub.complete(model_for(api, provider), PROMPT, deltas)
    assert deltas == DEFAULT_TOKENS
    assert completion.text == "".join(DEFAULT_TOKENS)
    assert completion.finish_reason == "stop" and not completion.truncated
    assert completion.prompt_tokens == {"openai": 11, "anthropic": 13, "gemini": 17}[provider]
    assert completion.completion_tokens == len(DEFAULT_TOKENS)
    assert 0 < completion.first_token_s <= completion.latency_s


async def test_openai_request_shape_and_passthrough_params(api, hub, monkeypatch):
    monkeypatch.setenv("FAKE_KEY", TEST_KEY)
    model = model_for(api, "openai", "gpt-x", api_key_env="FAKE_KEY",
                      params={"temperature": 0.2, "repetition_penalty": 1.1, "stream_options": {"include_usage": False}})
    await hub.complete(model, [Message("system", "Be brief."), *PROMPT])
    sent = api.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert sent.body["model"] == "gpt-x" and sent.body["stream"] is True
    assert sent.body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name three rivers."}]
    assert sent.body["temperature"] == 0.2 and sent.body["repetition_penalty"] == 1.1
    assert sent.body["stream_options"] == {"include_usage": False}  # a param overrides our default


async def test_anthropic_request_shape(api, hub, monkeypatch):
    monkeypatch.setenv("FAKE_KEY", TEST_KEY)
    model = model_for(api, "anthropic", "claude-x", api_key_env="FAKE_KEY", system_prompt="Be brief.", params={"max_tokens": 77})
    await hub.complete(model, [*PROMPT, Message("assistant", "Nile."), Message("user", "More?")])
    sent = api.requests[-1]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == TEST_KEY and sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body["system"] == "Be brief."
    assert [m["role"] for m in sent.body["messages"]] == ["user", "assistant", "user"]
    assert sent.body["max_tokens"] == 77 and sent.body["stream"] is True


async def test_gemini_request_shape_keeps_the_key_out_of_the_url(api, hub, monkeypatch):
    monkeypatch.setenv("FAKE_KEY", TEST_KEY)
    model = model_for(api, "gemini", "models/gem-x", api_key_env="FAKE_KEY", system_prompt="Be brief.",
                      params={"max_tokens": 64, "temperature": 0.5, "safetySettings": [{"category": "X", "threshold": "BLOCK_NONE"}]})
    await hub.complete(model, [*PROMPT, Message("assistant", "Nile."), Message("user", "More?")])
    sent = api.requests[-1]
    assert sent.path == "/v1beta/models/gem-x:streamGenerateContent" and sent.query == {"alt": "sse"}
    assert sent.headers["x-goog-api-key"] == TEST_KEY
    assert sent.body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert [c["role"] for c in sent.body["contents"]] == ["user", "model", "user"]
    assert sent.body["generationConfig"] == {"maxOutputTokens": 64, "temperature": 0.5}
    assert sent.body["safetySettings"][0]["threshold"] == "BLOCK_NONE"


async def test_arena_system_prompt_comes_before_the_models_own(api, sleeps):
    settings = Settings(arena=ArenaSettings(system_prompt="You are in an arena."))
    hub = ProviderHub(settings, sleep=sleeps)
    try:
        await hub.complete(model_for(api, "openai", system_prompt="Answer in French."), PROMPT)
    finally:
        await hub.close()
    first = api.requests[-1].body["messages"][0]
    assert first == {"role": "system", "content": "You are in an arena.\n\nAnswer in French."}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_reasoning_is_hidden_from_voters_by_default(api, hub, provider):
    api.script("m", reasoning=["I am GPT-9, ", "thinking."], tokens=["<think>secret", " plan</think>", "\n\nPar", "is."])
    deltas = Collect()
    completion = await hub.complete(model_for(api, provider), PROMPT, deltas)
    assert "".join(deltas) == completion.text == "Paris."
    assert "GPT-9" in completion.reasoning and "secret plan" in completion.reasoning


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_reasoning_is_shown_when_the_model_is_configured_so(api, hub, provider):
    api.script("m", reasoning=["thinking."], tokens=["Paris."])
    deltas = Collect()
    completion = await hub.complete(model_for(api, provider, show_reasoning=True), PROMPT, deltas)
    assert "".join(deltas) == "<think>thinking.</think>\n\nParis."


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_length_finish_is_a_truncated_completion(api, hub, provider):
    api.script("m", finish="length")
    completion = await hub.complete(model_for(api, provider), PROMPT)
    assert completion.truncated and completion.text == "".join(DEFAULT_TOKENS)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_content_filter_stop_is_a_typed_error_with_the_partial_text(api, hub, provider):
    api.script("m", tokens=["Once", " upon"], finish="content_filter")
    with pytest.raises(ContentFiltered) as caught:
        await hub.complete(model_for(api, provider), PROMPT)
    assert caught.value.partial_text == "Once upon"
    assert "content filter" in caught.value.user_message
    assert hub.is_available(f"{provider}-m")  # the prompt's fault, not the model's


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_empty_completion_is_a_typed_error(api, hub, provider):
    api.script("m", tokens=[], finish="length")
    with pytest.raises(EmptyCompletion) as caught:
        await hub.complete(model_for(api, provider), PROMPT)
    assert caught.value.model == f"{provider}-m" and "max_tokens" in caught.value.user_message


@pytest.mark.parametrize("fault", ["malformed", "wrong_shape"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_malformed_stream_event_is_a_stream_error_and_not_retried(api, hub, provider, fault):
    api.script("m", fault=fault, tokens_before_fault=0)
    with pytest.raises(StreamError) as caught:
        await hub.complete(model_for(api, provider), PROMPT)
    assert "malformed" in caught.value.user_message and f"provider = '{provider}'" in caught.value.user_message
    assert api.calls["m"] == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_without_its_end_is_a_stream_error(api, hub, provider):
    api.script("m", fault="no_terminator")
    deltas = Collect()
    with pytest.raises(StreamError) as caught:
        await hub.complete(model_for(api, provider), PROMPT, deltas)
    assert "ended before the reply was complete" in caught.value.user_message
    assert deltas == DEFAULT_TOKENS and api.calls["m"] == 1  # tokens were shown: never retried


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_error_event_mid_stream_is_typed_and_not_retried_after_tokens(api, hub, provider):
    api.script("m", fault="mid_error", tokens_before_fault=2)
    with pytest.raises((ServerError, StreamError)) as caught:
        await hub.complete(model_for(api, provider), PROMPT)
    assert caught.value.model == f"{provider}-m"
    assert api.calls["m"] == 1


async def test_a_server_that_does_not_stream_gets_a_clear_error(api, hub):
    api.script("m", fault="not_streaming")
    with pytest.raises(StreamError) as caught:
        await hub.complete(model_for(api, "openai"), PROMPT)
    assert "application/json instead of a stream" in caught.value.user_message and api.calls["m"] == 1
