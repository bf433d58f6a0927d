"""The API key never reaches an error or a log; a model that keeps failing cools down and comes back."""
from __future__ import annotations

import logging
import traceback

import pytest

from arenabot.domain import Message
from arenabot.providers import ProviderError, ProviderHub, ServerError
from tests.providers.conftest import PROVIDERS, TEST_KEY, model_for

PROMPT = [Message("user", "Hi")]

FAULTS = [
    {"require_key": "another-key"},
    {"fault": "status", "status": 400, "error_body": f'{{"error": {{"message": "bad key {TEST_KEY} in request"}}}}'},
    {"fault": "status", "status": 500, "error_body": f"internal error, key={TEST_KEY}"},
    {"fault": "status", "status": 429, "retry_after": "3600"},
    {"fault": "unknown_model"},
    {"fault": "drop", "tokens_before_fault": 1},
    {"fault": "malformed"},
    {"fault": "no_terminator"},
    {"fault": "mid_error", "tokens_before_fault": 1},
    {"fault": "stall", "tokens_before_fault": 1},
    {"tokens": []},
    {"finish": "content_filter"},
]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_key_never_appears_in_any_error_or_log(api, hub, monkeypatch, caplog, provider):
    monkeypatch.setenv("FAKE_KEY", TEST_KEY)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for number, scenario in enumerate(FAULTS):
        model_id = f"m{number}"
        api.script(model_id, **scenario)
        model = model_for(api, provider, model_id, api_key_env="FAKE_KEY", limits={"stall_timeout_s": 0.2, "max_retries": 1})
        with pytest.raises(ProviderError) as caught:
            await hub.complete(model, PROMPT)
        error = caught.value
        assert error.model == model.name and model.name in error.user_message
        seen += [str(error), repr(error), error.user_message, "".join(traceback.format_exception(error))]
    assert len(api.calls) == len(FAULTS)
    assert "key=[redacted]" in " ".join(seen)  # the server's echo of the key was scrubbed, not just absent
    for text in [*seen, caplog.text]:
        assert TEST_KEY not in text


async def test_a_failing_model_cools_down_and_comes_back_by_itself(api, sleeps):
    now = [1000.0]
    hub = ProviderHub(clock=lambda: now[0], sleep=sleeps, failure_threshold=3, cooldown_s=60)
    model = model_for(api, "openai", limits={"max_retries": 0})
    name = model.name
    try:
        api.script("m", fault="status", status=500)
        for _ in range(2):
            with pytest.raises(ServerError):
                await hub.complete(model, PROMPT)
        assert hub.is_available(name) and hub.health(name) is None
        with pytest.raises(ServerError):
            await hub.complete(model, PROMPT)
        assert not hub.is_available(name)
        assert hub.health(name) == "cooling down for 1m 00s after 3 failures in a row (last: server)"

        now[0] += 61  # the cool-down ends by itself; one more failure sends it back for twice as long
        assert hub.is_available(name) and "probation" in hub.health(name)
        with pytest.raises(ServerError):
            await hub.complete(model, PROMPT)
        assert not hub.is_available(name) and "2m 00s" in hub.health(name)

        now[0] += 121
        api.script("m")  # healthy again
        await hub.complete(model, PROMPT)
        assert hub.is_available(name) and hub.health(name) is None
        assert hub.is_available("never-used")
    finally:
        await hub.close()


async def test_one_success_resets_the_failure_count(api, sleeps):
    hub = ProviderHub(sleep=sleeps, failure_threshold=2)
    model = model_for(api, "gemini", limits={"max_retries": 0})
    try:
        api.script("m", fault="status", status=500, fault_times=1)
        with pytest.raises(ServerError):
            await hub.complete(model, PROMPT)
        await hub.complete(model, PROMPT)
        api.script("m", fault="status", status=500, fault_times=1)
        api.calls.clear()
        with pytest.raises(ServerError):
            await hub.complete(model, PROMPT)
        assert hub.is_available(model.name)
    finally:
        await hub.close()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_public_messages_never_name_the_model(api, hub, provider):
    """What a blind battle's thread may show: the kind of failure, not the model, host or model id."""
    messages = set()
    for number, scenario in enumerate(FAULTS):
        model_id = f"secret-model-{number}"
        api.script(model_id, **scenario)
        model = model_for(api, provider, model_id, limits={"stall_timeout_s": 0.2, "max_retries": 0})
        with pytest.raises(ProviderError) as caught:
            await hub.complete(model, PROMPT)
        public = caught.value.public_message
        assert public and "secret-model" not in public and "127.0.0.1" not in public and provider not in public
        messages.add(public)
    assert len(messages) >= 6  # different faults read differently
