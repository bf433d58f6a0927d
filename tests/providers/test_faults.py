"""Every fault from the issue gets a typed error with a clear message, and the hub goes on."""
from __future__ import annotations

import asyncio
import socket

import pytest

from arenabot.config import ModelSettings
from arenabot.domain import Message
from arenabot.providers import (
    AuthError, BadRequest, ConnectFailed, ModelNotFound, ProviderTimeout, RateLimited, ServerError, StreamError,
)
from arenabot.providers.failures import retry_after_seconds
from tests.providers.conftest import PROVIDERS, TEST_KEY, model_for
from tests.providers.fake_api import DEFAULT_TOKENS

PROMPT = [Message("user", "Hi")]


async def test_429_waits_as_long_as_retry_after_says_then_succeeds(api, hub, sleeps):
    api.script("m", fault="status", status=429, retry_after="7", fault_times=1)
    completion = await hub.complete(model_for(api, "openai"), PROMPT)
    assert completion.text == "".join(DEFAULT_TOKENS)
    assert api.calls["m"] == 2
    assert len(sleeps) == 1 and 7 <= sleeps[0] < 7.1


async def test_429_asking_for_too_long_a_wait_fails_at_once(api, hub, sleeps):
    api.script("m", fault="status", status=429, retry_after="600")
    with pytest.raises(RateLimited) as caught:
        await hub.complete(model_for(api, "anthropic"), PROMPT)
    assert caught.value.retry_after == 600 and "wait 600s" in caught.value.user_message
    assert api.calls["m"] == 1 and sleeps == []


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_5xx_is_retried_with_jittered_exponential_backoff(api, hub, sleeps, provider):
    api.script("m", fault="status", status=503, fault_times=2)
    completion = await hub.complete(model_for(api, provider, limits={"retry_backoff_s": 1.0}), PROMPT)
    assert completion.text and api.calls["m"] == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


async def test_5xx_that_persists_gives_up_after_max_retries(api, hub, sleeps):
    api.script("m", fault="status", status=502, error_body='{"error": {"message": "bad gateway upstream"}}')
    with pytest.raises(ServerError) as caught:
        await hub.complete(model_for(api, "openai", limits={"max_retries": 3}), PROMPT)
    assert api.calls["m"] == 4 and len(sleeps) == 3
    assert caught.value.status == 502 and "bad gateway upstream" in caught.value.user_message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_dropped_before_any_token_is_retried(api, hub, provider):
    api.script("m", fault="drop_before_headers", fault_times=1)
    completion = await hub.complete(model_for(api, provider), PROMPT)
    assert completion.text == "".join(DEFAULT_TOKENS) and api.calls["m"] == 2


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_dropped_after_tokens_were_shown_is_not_retried(api, hub, provider):
    api.script("m", fault="drop", tokens_before_fault=3)
    shown: list[str] = []

    async def on_delta(delta: str) -> None:
        shown.append(delta)

    with pytest.raises(StreamError) as caught:
        await hub.complete(model_for(api, provider), PROMPT, on_delta)
    assert shown == DEFAULT_TOKENS[:3] and api.calls["m"] == 1
    assert "dropped" in caught.value.user_message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_bad_key_names_the_model_and_the_variable_but_never_the_key(api, hub, monkeypatch, provider):
    monkeypatch.setenv("FAKE_KEY", TEST_KEY)
    api.script("m", require_key="the-right-key")
    with pytest.raises(AuthError) as caught:
        await hub.complete(model_for(api, provider, api_key_env="FAKE_KEY"), PROMPT)
    message = caught.value.user_message
    assert f"{provider}-m" in message and "FAKE_KEY" in message and "HTTP 401" in message
    assert TEST_KEY not in str(caught.value) and api.calls["m"] == 1


async def test_missing_key_variable_fails_before_any_request(api, hub, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    with pytest.raises(AuthError) as caught:
        await hub.complete(model_for(api, "gemini", api_key_env="NO_SUCH_KEY"), PROMPT)
    assert "NO_SUCH_KEY" in caught.value.user_message and api.requests == []


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_unknown_model_points_at_discovery(api, hub, provider):
    api.script("m", fault="unknown_model")
    with pytest.raises(ModelNotFound) as caught:
        await hub.complete(model_for(api, provider), PROMPT)
    assert "model_id 'm'" in caught.value.user_message and "arenabot models discover" in caught.value.user_message


async def test_bad_request_quotes_the_servers_reason(api, hub):
    api.script("m", fault="status", status=400, error_body='{"error": {"message": "temperature must be <= 2"}}')
    with pytest.raises(BadRequest) as caught:
        await hub.complete(model_for(api, "openai"), PROMPT)
    assert "temperature must be <= 2" in caught.value.user_message and api.calls["m"] == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_refused_connection_is_retried_then_reported(hub, sleeps):
    model = ModelSettings(name="gone", provider="openai", base_url=f"http://127.0.0.1:{_closed_port()}/v1",
                          limits={"max_retries": 1, "retry_backoff_s": 0.01})
    with pytest.raises(ConnectFailed) as caught:
        await hub.complete(model, PROMPT)
    assert "cannot reach 127.0.0.1" in caught.value.user_message and len(sleeps) == 1


async def test_connect_timeout(hub):
    # A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        model = ModelSettings(name="hung", provider="openai", base_url=f"http://127.0.0.1:{port}/v1",
                              limits={"connect_timeout_s": 0.3, "max_retries": 0})
        with pytest.raises(ProviderTimeout) as caught:
            await hub.complete(model, PROMPT)
        assert caught.value.phase == "connect" and "connect_timeout_s" in caught.value.user_message
    finally:
        for sock in [*fillers, listener]:
            sock.close()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_no_first_token_in_time_even_with_keepalives(api, hub, provider):
    api.script("m", fault="first_token_hang", keepalive_s=0.05)
    with pytest.raises(ProviderTimeout) as caught:
        await hub.complete(model_for(api, provider, limits={"first_token_timeout_s": 0.4}), PROMPT)
    assert caught.value.phase == "first_token" and "first_token_timeout_s" in caught.value.user_message
    assert api.calls["m"] == 1  # a slow model is not asked twice


async def test_slow_headers_count_against_the_first_token_deadline(api, hub):
    api.script("m", headers_delay_s=5)
    with pytest.raises(ProviderTimeout) as caught:
        await hub.complete(model_for(api, "openai", limits={"first_token_timeout_s": 0.3}), PROMPT)
    assert caught.value.phase == "first_token"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stall_between_chunks(api, hub, provider):
    api.script("m", fault="stall", tokens_before_fault=2)
    with pytest.raises(ProviderTimeout) as caught:
        await hub.complete(model_for(api, provider, limits={"stall_timeout_s": 0.3}), PROMPT)
    assert caught.value.phase == "stall" and "stopped streaming" in caught.value.user_message


async def test_total_time_limit(api, hub):
    api.script("m", tokens=["word "] * 200, delay_s=0.01)
    with pytest.raises(ProviderTimeout) as caught:
        await hub.complete(model_for(api, "anthropic", limits={"total_timeout_s": 0.4}), PROMPT)
    assert caught.value.phase == "total" and "total_timeout_s" in caught.value.user_message


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_cancelling_a_battle_closes_the_http_stream_at_once(api, hub, provider):
    api.script("m", tokens=["tok "] * 2000, delay_s=0.01)  # 20 s if left alone
    first = asyncio.Event()

    async def on_delta(delta: str) -> None:
        first.set()

    task = asyncio.create_task(hub.complete(model_for(api, provider, limits={"total_timeout_s": 60}), PROMPT, on_delta))
    await asyncio.wait_for(first.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(api.disconnect_seen("m").wait(), 30)
    assert hub.is_available(f"{provider}-m")  # a cancelled battle is not the model's failure


async def test_concurrency_limit_per_endpoint(api, hub):
    api.script("m", tokens=["a", "b", "c"], delay_s=0.02)
    model = model_for(api, "openai", limits={"max_concurrency": 2})
    results = await asyncio.gather(*(hub.complete(model, PROMPT) for _ in range(6)))
    assert [r.text for r in results] == ["abc"] * 6
    assert api.peak_active == 2


async def test_waiting_for_a_free_slot_times_out_as_busy(api, hub):
    api.script("m", tokens=["a"] * 2000, delay_s=0.02)  # 40 s: holds the one slot until cancelled
    # Same endpoint, so the same single slot; only the first has time to spare for its first token.
    holder = model_for(api, "openai", limits={"max_concurrency": 1, "first_token_timeout_s": 60, "total_timeout_s": 120})
    model = model_for(api, "openai", limits={"max_concurrency": 1, "first_token_timeout_s": 0.3})
    streaming = asyncio.Event()

    async def on_delta(delta: str) -> None:
        streaming.set()

    first = asyncio.create_task(hub.complete(holder, PROMPT, on_delta))
    await asyncio.wait_for(streaming.wait(), 30)  # the first call holds the slot
    with pytest.raises(ProviderTimeout) as caught:
        await hub.complete(model, PROMPT)
    assert caught.value.phase == "queue" and "max_concurrency" in caught.value.user_message
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_models_sharing_an_endpoint_share_the_smallest_limit(api, sleeps):
    from arenabot.config import Settings
    from arenabot.providers import ProviderHub

    api.script("x", tokens=["a", "b"], delay_s=0.02)
    api.script("y", tokens=["a", "b"], delay_s=0.02)
    tight = model_for(api, "openai", "x", limits={"max_concurrency": 1})
    loose = model_for(api, "openai", "y", limits={"max_concurrency": 8})
    hub = ProviderHub(Settings(models=[tight, loose]), sleep=sleeps)
    try:
        await asyncio.gather(*(hub.complete(m, PROMPT) for m in [loose, tight] * 3))
    finally:
        await hub.close()
    assert api.peak_active == 1


async def test_forbidden_is_an_auth_error_too(api, hub):
    api.script("m", fault="status", status=403, error_body='{"error": {"message": "key lacks access"}}')
    with pytest.raises(AuthError) as caught:
        await hub.complete(model_for(api, "gemini"), PROMPT)
    assert "HTTP 403" in caught.value.user_message and "set api_key_env" in caught.value.user_message


async def test_the_callers_own_time_limit_wins_and_closes_the_stream(api, hub):
    """The arena wraps each side in asyncio.timeout; our deadlines must not swallow its expiry."""
    api.script("m", tokens=["tok "] * 2000, delay_s=0.01)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await hub.complete(model_for(api, "openai", limits={"stall_timeout_s": 5, "total_timeout_s": 60}), PROMPT)
    await asyncio.wait_for(api.disconnect_seen("m").wait(), 30)


async def test_a_steady_stream_outlives_many_stall_windows(api, hub):
    """Each chunk opens a new stall window: a reply longer than the window is fine if it keeps coming."""
    # About 2.4 s in all, two and a half windows of 1 s; a gap of 0.02 s between chunks leaves a
    # loaded machine a 50-fold margin before a chunk could look like a stall.
    api.script("m", tokens=["t"] * 120, delay_s=0.02)
    completion = await hub.complete(model_for(api, "gemini", limits={"stall_timeout_s": 1.0}), PROMPT)
    assert completion.text == "t" * 120
