"""`arenabot models discover` against the fake server: OpenAI-style, Ollama, Anthropic and Gemini lists."""
from __future__ import annotations

import asyncio
import threading
import tomllib

import pytest

from arenabot.cli import main
from arenabot.config import settings_from_dict
from tests.providers.conftest import TEST_KEY
from tests.providers.fake_api import FakeApi


@pytest.fixture
def server():
    """The fake API on its own loop in a thread, since the command runs its own event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(FakeApi().start(), loop).result(5)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def _entries(output: str) -> list[dict]:
    models = tomllib.loads(output)["models"]
    settings_from_dict({"models": models})  # valid config, as pasted
    return models


def test_openai_compatible_listing_as_ready_to_paste_toml(server, capsys, monkeypatch):
    monkeypatch.setenv("DISCOVER_KEY", TEST_KEY)
    assert main(["models", "discover", "--base-url", f"{server.url}/v1", "--api-key-env", "DISCOVER_KEY"]) == 0
    models = _entries(capsys.readouterr().out)
    assert [m["model_id"] for m in models] == ["alpha-7b", "beta-chat:latest"]
    assert [m["name"] for m in models] == ["alpha-7b", "beta-chat"]
    assert {m["base_url"] for m in models} == {f"{server.url}/v1"}
    assert {m["api_key_env"] for m in models} == {"DISCOVER_KEY"}
    assert server.requests[-1].headers["Authorization"] == f"Bearer {TEST_KEY}"


def test_server_root_is_accepted_too(server, capsys):
    assert main(["models", "discover", "--base-url", server.url]) == 0
    assert {m["base_url"] for m in _entries(capsys.readouterr().out)} == {f"{server.url}/v1"}


def test_ollama_model_list_when_there_is_no_v1_models(server, capsys, monkeypatch):
    server.models = ["llama3:latest", "qwen2.5:7b"]
    server.lists_v1_models = False
    assert main(["models", "discover", "--base-url", f"{server.url}/v1"]) == 0
    models = _entries(capsys.readouterr().out)
    assert [(m["name"], m["model_id"]) for m in models] == [("llama3", "llama3:latest"), ("qwen2.5:7b", "qwen2.5:7b")]
    assert any(r.path == "/api/tags" for r in server.requests)


@pytest.mark.parametrize("provider,expected_path", [("anthropic", "/v1/models"), ("gemini", "/v1beta/models")])
def test_anthropic_and_gemini_lists(server, capsys, monkeypatch, provider, expected_path):
    monkeypatch.setenv("DISCOVER_KEY", TEST_KEY)
    assert main(["models", "discover", "--provider", provider, "--base-url", server.url, "--api-key-env", "DISCOVER_KEY"]) == 0
    models = _entries(capsys.readouterr().out)
    assert [m["model_id"] for m in models] == ["alpha-7b", "beta-chat:latest"]  # gemini's embedder is left out
    assert {m["provider"] for m in models} == {provider}
    assert server.requests[-1].path == expected_path


def test_unreachable_server_is_a_clear_error(capsys):
    assert main(["models", "discover", "--base-url", "http://127.0.0.1:9/v1", "--timeout", "2"]) == 1
    assert "no models listed at http://127.0.0.1:9/v1" in capsys.readouterr().err


def test_missing_key_variable_is_named(capsys, monkeypatch):
    monkeypatch.delenv("UNSET_KEY", raising=False)
    assert main(["models", "discover", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "UNSET_KEY"]) == 1
    assert "UNSET_KEY" in capsys.readouterr().err
